/**
 * The scan stage: which files of a folder an index reads, and why the others are left out.
 *
 * Rules, in order, for each entry:
 * - a name starting with '.' is hidden: listed once (a hidden folder is not walked);
 * - a symbolic link is judged by where it leads: outside the index root it is listed and never
 *   read or followed; inside, it is followed (a folder is walked at most once, by real path, so
 *   loops end and a linked folder's files are not read twice);
 * - with no `include` patterns, a file whose extension is not one of INDEXED_EXTENSIONS is ignored
 *   without a listing (code and images beside documents are normal) and only counted in `ignored`;
 *   with patterns, only files whose relative path matches are considered, and a matching file of
 *   an unsupported type is listed as unsupported (the caller asked for it by name);
 * - a considered file over `maxFileBytes`, or one that cannot be stat'ed or read, is listed.
 */
import { constants, type Dirent } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import picomatch from 'picomatch';
import { LmqError } from '../../../shared/errors';
import { INDEXED_EXTENSIONS, type SkippedFile, type SkipReason } from '../../../shared/indexes';
import { isInside } from './index-roots';

export interface ScannedFile {
  /** Relative to the scanned folder, with forward slashes. */
  path: string;
  /** The real path, links resolved: the file the scan found inside the root, so the one to read. */
  absolutePath: string;
  bytes: number;
  mtimeMs: number;
}

export interface FolderScan {
  /** Sorted by path. */
  files: ScannedFile[];
  /** Sorted by path. */
  skipped: SkippedFile[];
  /** Files of unsupported types passed over without a listing (no include patterns). */
  ignored: number;
}

export interface ScanOptions {
  /** The index root holding the folder (a real path): links that lead out of it are not followed. */
  root: string;
  /** Glob patterns (picomatch) matched against the relative path; null or empty: every supported file. */
  include?: readonly string[] | null;
  maxFileBytes: number;
  /** Called with the number of entries looked at so far, every few hundred and at the end. */
  onProgress?: (seen: number) => void;
}

/** Entries between turns of the event loop, so a huge folder does not hold up the server. */
const ENTRIES_PER_TURN = 256;
const FILES_AT_ONCE = 16;
const SUPPORTED = new Set<string>(INDEXED_EXTENSIONS);

/** A folder to walk or a file to check. */
interface FoundEntry {
  /** Relative path with forward slashes; '' for the scanned folder itself. */
  relative: string;
  /** Links resolved: folders are read, and files listed, where they really are (checked to be inside the root). */
  real: string;
}

export async function scanFolder(folder: string, options: ScanOptions): Promise<FolderScan> {
  const { root, maxFileBytes, onProgress } = options;
  const include = options.include && options.include.length > 0 ? picomatch([...options.include], { dot: false }) : null;
  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = [];
  let ignored = 0;
  let seen = 0;

  const top = await realpath(folder).catch((error: unknown) => {
    throw new LmqError('bad_request', `path: ${folder} cannot be scanned (${codeOf(error)})`);
  });
  if (!isInside(root, top)) throw new LmqError('forbidden', `path: ${folder} is outside the index root ${root}`);

  const visited = new Set<string>([top]);
  const folders: FoundEntry[] = [{ relative: '', real: top }];
  // Linked folders wait until the real ones are walked, so a file is listed under its own path, not a link's.
  const linkedFolders: FoundEntry[] = [];
  const skip = (path: string, reason: SkipReason, message: string) => skipped.push({ path, reason, message });
  const nextLinkedFolder = (): FoundEntry | undefined => {
    for (let next = linkedFolders.shift(); next; next = linkedFolders.shift()) {
      if (visited.has(next.real)) continue;
      visited.add(next.real);
      return next;
    }
    return undefined;
  };

  for (;;) {
    const current = folders.pop() ?? nextLinkedFolder();
    if (!current) break;
    let entries: Dirent[];
    try {
      entries = await readdir(current.real, { withFileTypes: true });
    } catch (error) {
      if (current.relative === '') throw new LmqError('bad_request', `path: ${folder} cannot be read (${codeOf(error)})`);
      skip(current.relative, 'unreadable', `folder cannot be read (${codeOf(error)})`);
      continue;
    }
    // By name, so that which of two links to one folder is walked does not depend on the file system.
    entries.sort((a, b) => compare(a.name, b.name));
    const candidates: FoundEntry[] = [];
    for (const entry of entries) {
      if (++seen % ENTRIES_PER_TURN === 0) {
        onProgress?.(seen);
        await nextTurn();
      }
      const relative = current.relative === '' ? entry.name : `${current.relative}/${entry.name}`;
      if (entry.name.startsWith('.')) {
        skip(relative, 'hidden', entry.isDirectory() ? 'hidden folder, not read' : 'hidden file');
        continue;
      }

      let real = join(current.real, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          real = await realpath(real);
        } catch (error) {
          skip(relative, 'unreadable', codeOf(error) === 'ENOENT' ? 'broken link: its target does not exist' : `link cannot be followed (${codeOf(error)})`);
          continue;
        }
        if (!isInside(root, real)) {
          skip(relative, 'outside_root', 'link to a place outside the index root, not followed');
          continue;
        }
        try {
          const target = await stat(real);
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch (error) {
          skip(relative, 'unreadable', `link target cannot be read (${codeOf(error)})`);
          continue;
        }
      }

      if (isDirectory) {
        if (entry.isSymbolicLink()) {
          linkedFolders.push({ relative, real });
        } else if (!visited.has(real)) {
          visited.add(real);
          folders.push({ relative, real });
        }
        continue;
      }

      const supported = SUPPORTED.has(extname(entry.name).toLowerCase());
      if (include ? !include(relative) : !supported) {
        ignored++;
        continue;
      }
      if (!supported) {
        skip(relative, 'unsupported', `not a type an index reads (${INDEXED_EXTENSIONS.join(' ')})`);
        continue;
      }
      if (!isFile) {
        skip(relative, 'unsupported', 'not a regular file (a pipe, socket or device)');
        continue;
      }
      candidates.push({ relative, real });
    }
    // A few stats at once: each waits on the thread pool, and one after another is most of a scan's time.
    for (let i = 0; i < candidates.length; i += FILES_AT_ONCE) {
      const batch = candidates.slice(i, i + FILES_AT_ONCE);
      const checked = await Promise.all(batch.map((candidate) => readableFile(candidate.real)));
      batch.forEach(({ relative, real }, j) => {
        const file = checked[j]!;
        if ('problem' in file) skip(relative, 'unreadable', file.problem);
        else if (file.bytes > maxFileBytes) skip(relative, 'too_large', `${file.bytes} bytes, over the limit of ${maxFileBytes} bytes`);
        else files.push({ path: relative, absolutePath: real, bytes: file.bytes, mtimeMs: file.mtimeMs });
      });
    }
  }
  onProgress?.(seen);
  files.sort((a, b) => compare(a.path, b.path));
  skipped.sort((a, b) => compare(a.path, b.path));
  return { files, skipped, ignored };
}

async function readableFile(path: string): Promise<{ bytes: number; mtimeMs: number } | { problem: string }> {
  try {
    const info = await stat(path);
    // stat needs no read permission on the file itself; ask, so a file that cannot be read is listed now.
    await access(path, constants.R_OK);
    return { bytes: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    return { problem: `cannot be read (${codeOf(error)})` };
  }
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** By UTF-16 code units: the same order everywhere, whatever the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
