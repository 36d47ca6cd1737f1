/**
 * Index roots: the folders an admin allows indexes under (`--index-root DIR`, `LMQ_INDEX_ROOTS`).
 * A requested folder is resolved to its real path first, so `..` and symlinks are judged by where
 * they lead, and "inside" is a path relation, not a string prefix (`/data/docs2` is not in `/data/docs`).
 */
import { realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { LmqError } from '../../../shared/errors';

/** True when `candidate` is `root` itself or lies under it; both should be real paths. */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  if (rel === '') return true;
  return !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}

/** The configured roots as real paths, duplicates dropped; throws naming the first root that is not a usable folder. */
export function resolveIndexRoots(roots: readonly string[]): string[] {
  const resolved: string[] = [];
  for (const root of roots) {
    if (root.trim() === '') throw new Error('index root "" is empty: give a folder path');
    let real: string;
    try {
      real = realpathSync(resolve(root));
    } catch (error) {
      throw new Error(`index root ${root} ${fsProblem(error)}`, { cause: error });
    }
    let isDirectory: boolean;
    try {
      isDirectory = statSync(real).isDirectory();
    } catch (error) {
      throw new Error(`index root ${root} ${fsProblem(error)}`, { cause: error });
    }
    if (!isDirectory) throw new Error(`index root ${root} is not a directory`);
    if (!resolved.includes(real)) resolved.push(real);
  }
  return resolved;
}

/**
 * The real path of a folder to index and the innermost root that holds it. `requested` is absolute or
 * relative to the first root. A path outside every root is refused without saying whether it exists.
 */
export async function resolveIndexFolder(roots: readonly string[], requested: string): Promise<{ root: string; folder: string }> {
  if (roots.length === 0) {
    throw new LmqError('indexing_disabled', 'indexing is off: start LM Queue with --index-root DIR (or LMQ_INDEX_ROOTS) to allow indexing folders under DIR');
  }
  if (requested.trim() === '' || requested.includes('\0')) throw new LmqError('bad_request', 'path: give a folder inside the index roots');
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => resolve(root))));
  const target = isAbsolute(requested) ? resolve(requested) : resolve(realRoots[0]!, requested);
  const outside = () => new LmqError('forbidden', `path: ${requested} is outside the index roots (${roots.join(', ')})`);

  let folder: string;
  try {
    folder = await realpath(target);
  } catch (error) {
    // Judge a missing path by its nearest existing ancestor: outside the roots says no more than "outside".
    const ancestor = await nearestRealAncestor(target);
    if (ancestor === null || !realRoots.some((root) => isInside(root, ancestor))) throw outside();
    throw new LmqError('bad_request', `path: ${requested} ${fsProblem(error)}`);
  }
  const holders = realRoots.filter((root) => isInside(root, folder));
  if (holders.length === 0) throw outside();

  let isDirectory: boolean;
  try {
    isDirectory = (await stat(folder)).isDirectory();
  } catch (error) {
    throw new LmqError('bad_request', `path: ${requested} ${fsProblem(error)}`);
  }
  if (!isDirectory) throw new LmqError('bad_request', `path: ${requested} is not a directory`);
  const root = holders.reduce((inner, next) => (next.length > inner.length ? next : inner));
  return { root, folder };
}

async function nearestRealAncestor(path: string): Promise<string | null> {
  for (let at = dirname(path); ; at = dirname(at)) {
    try {
      return await realpath(at);
    } catch {
      if (dirname(at) === at) return null;
    }
  }
}

/** A file system error in words, e.g. "does not exist". */
function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'does not exist (a part of it is not a directory)';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read (${code})`;
    case 'ELOOP':
      return 'is a loop of symbolic links';
    default:
      return `cannot be opened (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}
