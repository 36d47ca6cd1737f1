import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmqError } from '../../../shared/errors';
import { isInside, resolveIndexFolder, resolveIndexRoots } from './index-roots';

let base: string;
let docs: string;

beforeAll(() => {
  // The real path: on some systems the temp folder itself is behind a link (macOS /var -> /private/var).
  base = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-roots-')));
  docs = join(base, 'docs');
  mkdirSync(join(docs, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(base, 'docs2'));
  mkdirSync(join(base, 'secret'));
  writeFileSync(join(docs, 'note.txt'), 'hello');
  writeFileSync(join(base, 'secret', 'key.txt'), 'secret');
  symlinkSync(join(base, 'secret'), join(docs, 'link-out'));
  symlinkSync(join(docs, 'sub'), join(docs, 'link-in'));
  symlinkSync(docs, join(base, 'docs-alias'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

async function refusal(roots: readonly string[], requested: string): Promise<LmqError> {
  const error = await resolveIndexFolder(roots, requested).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LmqError);
  return error as LmqError;
}

describe('isInside', () => {
  it('holds for the root itself and anything under it', () => {
    expect(isInside('/data/docs', '/data/docs')).toBe(true);
    expect(isInside('/data/docs', '/data/docs/a/b.txt')).toBe(true);
    expect(isInside('/data/docs/', '/data/docs/a')).toBe(true);
    // A name that merely starts with two dots is still inside.
    expect(isInside('/data/docs', '/data/docs/..notes')).toBe(true);
  });

  it('fails for parents, siblings with a common prefix and elsewhere', () => {
    expect(isInside('/data/docs', '/data')).toBe(false);
    expect(isInside('/data/docs', '/data/docs2')).toBe(false);
    expect(isInside('/data/docs', '/data/docs2/a.txt')).toBe(false);
    expect(isInside('/data/docs', '/data/docs/../secret')).toBe(false);
    expect(isInside('/data/docs', '/etc/passwd')).toBe(false);
    expect(isInside('/', '/etc/passwd')).toBe(true);
  });
});

describe('resolveIndexRoots', () => {
  it('gives real paths, without duplicates, in the order given', () => {
    const roots = resolveIndexRoots([join(base, 'docs-alias'), `${docs}/`, join(base, 'docs2'), docs]);
    expect(roots).toEqual([docs, join(base, 'docs2')]);
  });

  it('names a root that does not exist, is a file, or is empty', () => {
    expect(() => resolveIndexRoots([docs, join(base, 'missing')])).toThrow(`index root ${join(base, 'missing')} does not exist`);
    expect(() => resolveIndexRoots([join(docs, 'note.txt')])).toThrow(`index root ${join(docs, 'note.txt')} is not a directory`);
    expect(() => resolveIndexRoots([' '])).toThrow(/empty/);
  });

  it('accepts no roots at all (indexing off)', () => {
    expect(resolveIndexRoots([])).toEqual([]);
  });
});

describe('resolveIndexFolder', () => {
  it('says how to turn indexing on when there are no roots', async () => {
    const error = await refusal([], docs);
    expect(error.code).toBe('indexing_disabled');
    expect(error.message).toBe('indexing is off: start LM Queue with --index-root DIR (or LMQ_INDEX_ROOTS) to allow indexing folders under DIR');
  });

  it('resolves a path relative to the first root, an absolute one, and the root itself', async () => {
    const roots = [docs, join(base, 'docs2')];
    await expect(resolveIndexFolder(roots, 'sub')).resolves.toEqual({ root: docs, folder: join(docs, 'sub') });
    await expect(resolveIndexFolder(roots, 'sub/deeper/..')).resolves.toEqual({ root: docs, folder: join(docs, 'sub') });
    await expect(resolveIndexFolder(roots, join(base, 'docs2'))).resolves.toEqual({ root: join(base, 'docs2'), folder: join(base, 'docs2') });
    await expect(resolveIndexFolder(roots, '.')).resolves.toEqual({ root: docs, folder: docs });
    await expect(resolveIndexFolder(roots, docs)).resolves.toEqual({ root: docs, folder: docs });
  });

  it('follows a link that stays inside to its real path', async () => {
    await expect(resolveIndexFolder([docs], 'link-in')).resolves.toEqual({ root: docs, folder: join(docs, 'sub') });
    // A root given through a link is judged by its real path too.
    await expect(resolveIndexFolder([join(base, 'docs-alias')], 'sub')).resolves.toEqual({ root: docs, folder: join(docs, 'sub') });
  });

  it.each([
    ['an absolute path elsewhere', () => join(base, 'secret')],
    ['a climb out with ..', () => '../secret'],
    ['a climb out through a subfolder', () => 'sub/../../secret'],
    ['a deep climb to the file system root', () => '../../../../../../../../etc'],
    ['a sibling whose name starts with the root name', () => join(base, 'docs2')],
    ['a link inside the root that leads out', () => 'link-out'],
    ['the parent of the root', () => base],
  ])('refuses %s as forbidden, naming the roots', async (_what, requested) => {
    const error = await refusal([docs], requested());
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('outside the index roots');
    expect(error.message).toContain(docs);
  });

  it('does not say whether a path outside the roots exists', async () => {
    const missing = await refusal([docs], join(base, 'secret', 'nothing-here'));
    const present = await refusal([docs], join(base, 'secret'));
    expect(missing.code).toBe('forbidden');
    expect(missing.message.replace('/nothing-here', '')).toBe(present.message);
    // Nor through a link that leads out.
    expect((await refusal([docs], 'link-out/nothing-here')).code).toBe('forbidden');
  });

  it('refuses a missing folder or a file inside the roots as bad_request naming the path', async () => {
    const missing = await refusal([docs], 'no-such-folder');
    expect(missing.code).toBe('bad_request');
    expect(missing.message).toBe('path: no-such-folder does not exist');
    const file = await refusal([docs], 'note.txt');
    expect(file.code).toBe('bad_request');
    expect(file.message).toBe('path: note.txt is not a directory');
    expect((await refusal([docs], '')).code).toBe('bad_request');
    expect((await refusal([docs], 'sub\0')).code).toBe('bad_request');
  });

  it('answers with the innermost root when roots nest', async () => {
    const inner = join(docs, 'sub');
    await expect(resolveIndexFolder([docs, inner], join(inner, 'deeper'))).resolves.toEqual({ root: inner, folder: join(inner, 'deeper') });
    await expect(resolveIndexFolder([inner, docs], join(docs, 'sub', 'deeper'))).resolves.toEqual({ root: inner, folder: join(inner, 'deeper') });
  });
});
