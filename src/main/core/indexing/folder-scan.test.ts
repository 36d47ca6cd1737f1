import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LmqError } from '../../../shared/errors';
import { scanFolder, type FolderScan } from './folder-scan';

let base: string;
let root: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-scan-')));
  root = join(base, 'root');
  mkdirSync(root);
});

afterEach(() => {
  // A test may leave a folder without permissions; give them back so it can be removed.
  execFileSync('chmod', ['-R', 'u+rwx', base]);
  rmSync(base, { recursive: true, force: true });
});

/** Writes files (relative path -> content) under `dir`, making folders as needed. */
function write(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function scan(folder = root, options: Partial<Parameters<typeof scanFolder>[1]> = {}): Promise<FolderScan> {
  return scanFolder(folder, { root, maxFileBytes: 1_000_000, ...options });
}

const reasons = (result: FolderScan) => Object.fromEntries(result.skipped.map((s) => [s.path, s.reason]));
const paths = (result: FolderScan) => result.files.map((f) => f.path);

function canMakeFifo(): boolean {
  try {
    execFileSync('mkfifo', [join(base, 'probe.fifo')]);
    rmSync(join(base, 'probe.fifo'));
    return true;
  } catch {
    return false;
  }
}

describe('scanFolder', () => {
  it('lists supported files recursively, sorted, with forward-slash relative paths and sizes', async () => {
    write(root, { 'b.md': '# b', 'a.txt': 'aa', 'sub/c.PDF': 'x', 'sub/deep/d.docx': 'ddd', 'sub/e.html': '<p>e</p>', 'f.htm': 'f' });
    write(root, { 'code.ts': 'x', 'image.png': 'x', 'sub/README': 'x' });
    const result = await scan();
    expect(paths(result)).toEqual(['a.txt', 'b.md', 'f.htm', 'sub/c.PDF', 'sub/deep/d.docx', 'sub/e.html']);
    const file = result.files.find((f) => f.path === 'sub/deep/d.docx')!;
    expect(file.absolutePath).toBe(join(root, 'sub', 'deep', 'd.docx'));
    expect(file.bytes).toBe(3);
    expect(file.mtimeMs).toBe(statSync(file.absolutePath).mtimeMs);
    // Other types are passed over without a listing, but counted.
    expect(result.skipped).toEqual([]);
    expect(result.ignored).toBe(3);
  });

  it('lists hidden files, and a hidden folder once without walking it', async () => {
    write(root, { 'seen.txt': 'x', '.hidden.txt': 'x', '.git/config.txt': 'x', '.git/objects/a.md': 'x', 'sub/.cache/x.md': 'x' });
    const result = await scan();
    expect(paths(result)).toEqual(['seen.txt']);
    expect(reasons(result)).toEqual({ '.git': 'hidden', '.hidden.txt': 'hidden', 'sub/.cache': 'hidden' });
    expect(result.skipped.find((s) => s.path === '.git')!.message).toMatch(/hidden folder/);
  });

  it('lists files over the size limit, and keeps one exactly at it', async () => {
    write(root, { 'at.txt': 'x'.repeat(100), 'over.txt': 'x'.repeat(101) });
    const result = await scan(root, { maxFileBytes: 100 });
    expect(paths(result)).toEqual(['at.txt']);
    expect(result.skipped).toEqual([{ path: 'over.txt', reason: 'too_large', message: '101 bytes, over the limit of 100 bytes' }]);
  });

  it('does not read or follow links that lead outside the root (a link to /etc/passwd)', async () => {
    write(join(base, 'outside'), { 'private.txt': 'secret' });
    write(root, { 'ok.txt': 'x' });
    symlinkSync('/etc/passwd', join(root, 'passwd.txt'));
    symlinkSync(join(base, 'outside'), join(root, 'outside-dir'));
    symlinkSync('../outside/private.txt', join(root, 'private.txt'));
    const result = await scan();
    expect(paths(result)).toEqual(['ok.txt']);
    expect(reasons(result)).toEqual({ 'outside-dir': 'outside_root', 'passwd.txt': 'outside_root', 'private.txt': 'outside_root' });
    // The listing does not tell where the link leads.
    expect(JSON.stringify(result.skipped)).not.toContain('/etc/passwd');
  });

  it.runIf(process.platform !== 'win32')('judges a link by where it leads before looking at the target (a pipe outside, which would block a reader)', async () => {
    if (!canMakeFifo()) throw new Error('mkfifo is missing: this test needs it to make a file that blocks on open');
    execFileSync('mkfifo', [join(base, 'blocking.txt')]);
    symlinkSync(join(base, 'blocking.txt'), join(root, 'blocking.txt'));
    const result = await scan();
    expect(reasons(result)).toEqual({ 'blocking.txt': 'outside_root' });
  });

  it.runIf(process.platform !== 'win32')('lists a pipe inside the root as not a regular file without opening it', async () => {
    if (!canMakeFifo()) throw new Error('mkfifo is missing: this test needs it to make a file that blocks on open');
    execFileSync('mkfifo', [join(root, 'pipe.txt')]);
    const result = await scan();
    expect(result.skipped).toEqual([{ path: 'pipe.txt', reason: 'unsupported', message: 'not a regular file (a pipe, socket or device)' }]);
  });

  it('follows links inside the root once: loops end, and a linked folder is listed under its own path', async () => {
    write(root, { 'docs/real/a.txt': 'a', 'docs/real/deeper/b.md': 'b', 'shared/s.txt': 's' });
    const docs = join(root, 'docs');
    symlinkSync('..', join(docs, 'real', 'deeper', 'up')); // a loop back to docs/real
    symlinkSync('.', join(docs, 'self')); // a loop to the scanned folder itself
    symlinkSync('real', join(docs, 'alias')); // sorts before "real"; the real path still wins
    symlinkSync('../shared', join(docs, 'linked')); // inside the root, outside the folder: followed
    symlinkSync('real/a.txt', join(docs, 'a-link.txt'));
    const result = await scan(docs);
    expect(paths(result)).toEqual(['a-link.txt', 'linked/s.txt', 'real/a.txt', 'real/deeper/b.md']);
    // The path to read is where the link leads, the place checked to be inside the root.
    expect(result.files.find((f) => f.path === 'linked/s.txt')!.absolutePath).toBe(join(root, 'shared', 's.txt'));
    expect(result.files.find((f) => f.path === 'a-link.txt')!.absolutePath).toBe(join(docs, 'real', 'a.txt'));
    expect(result.skipped).toEqual([]);
  });

  it('ends on a loop of links to each other, listing it as unreadable', async () => {
    write(root, { 'ok.txt': 'x' });
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));
    symlinkSync('missing.txt', join(root, 'broken.txt'));
    const result = await scan();
    expect(paths(result)).toEqual(['ok.txt']);
    expect(reasons(result)).toEqual({ 'broken.txt': 'unreadable', 'loop-a': 'unreadable', 'loop-b': 'unreadable' });
    expect(result.skipped.find((s) => s.path === 'broken.txt')!.message).toBe('broken link: its target does not exist');
  });

  it('lists a file and a folder it may not read as unreadable (where permissions stop this user)', async () => {
    write(root, { 'ok.txt': 'x', 'locked.txt': 'x', 'closed/inner.txt': 'x' });
    chmodSync(join(root, 'locked.txt'), 0o000);
    chmodSync(join(root, 'closed'), 0o000);
    let permissionsBind = true;
    try {
      readFileSync(join(root, 'locked.txt'));
      permissionsBind = false;
    } catch {
      // as expected for an ordinary user
    }
    const result = await scan();
    if (permissionsBind) {
      expect(paths(result)).toEqual(['ok.txt']);
      expect(reasons(result)).toEqual({ closed: 'unreadable', 'locked.txt': 'unreadable' });
      expect(result.skipped.find((s) => s.path === 'locked.txt')!.message).toBe('cannot be read (EACCES)');
    } else {
      // Running as root (as in some containers): chmod 000 does not stop reads, so both are indexed.
      expect(paths(result)).toEqual(['closed/inner.txt', 'locked.txt', 'ok.txt']);
      expect(result.skipped).toEqual([]);
    }
  });

  it('with include patterns, considers only matching files and lists a matching unsupported one', async () => {
    write(root, { 'a.md': 'x', 'notes/b.md': 'x', 'notes/c.txt': 'x', 'notes/data.csv': 'x', 'other/d.txt': 'x', 'other/e.csv': 'x' });
    const result = await scan(root, { include: ['**/*.md', 'notes/*'] });
    expect(paths(result)).toEqual(['a.md', 'notes/b.md', 'notes/c.txt']);
    expect(reasons(result)).toEqual({ 'notes/data.csv': 'unsupported' });
    expect(result.ignored).toBe(2);
    // Empty patterns mean no filter.
    expect(paths(await scan(root, { include: [] }))).toEqual(['a.md', 'notes/b.md', 'notes/c.txt', 'other/d.txt']);
  });

  it('scans a folder of 1,000 files in order, reporting progress', async () => {
    const expected: string[] = [];
    for (let d = 0; d < 10; d++) {
      for (let f = 0; f < 100; f++) {
        const path = `dir-${d}/file-${String(f).padStart(3, '0')}.txt`;
        write(root, { [path]: `file ${d} ${f}` });
        expected.push(path);
      }
    }
    const progress: number[] = [];
    const result = await scan(root, { onProgress: (seen) => progress.push(seen) });
    expect(result.files).toHaveLength(1000);
    expect(paths(result)).toEqual(expected.sort());
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1010); // the files and their ten folders
  });

  it('refuses a folder outside the root, and one that does not exist', async () => {
    write(join(base, 'elsewhere'), { 'x.txt': 'x' });
    await expect(scan(join(base, 'elsewhere'))).rejects.toSatisfy((e: unknown) => e instanceof LmqError && e.code === 'forbidden');
    await expect(scan(join(root, 'missing'))).rejects.toSatisfy((e: unknown) => e instanceof LmqError && e.code === 'bad_request');
  });
});
