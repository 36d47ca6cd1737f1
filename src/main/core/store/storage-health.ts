/**
 * A data directory that cannot take writes (disk full, turned read-only, failing): which SQLite
 * errors mean that, and how the engine says it. SQLite rolls a transaction back when its commit
 * fails this way and the database stays intact; the engine refuses new work, keeps finished
 * jobs' results in memory, and tries the write again until it succeeds.
 */
import { LmqError } from '../../../shared/errors';
import type { StorageState, StorageStatus } from '../../../shared/backend';

/** SQLite's primary result code for the failure (extended codes such as SQLITE_IOERR_WRITE included). */
export function storageStatusOf(error: unknown): Exclude<StorageStatus, 'ok'> | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_FULL')) return 'full';
  if (code.startsWith('SQLITE_READONLY')) return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'failed';
  return null;
}

const WHAT: Record<Exclude<StorageStatus, 'ok'>, string> = {
  full: 'the disk holding the data directory is full',
  read_only: 'the data directory has become read-only',
  failed: 'writing to the data directory failed',
};

export function describeStorageFailure(status: Exclude<StorageStatus, 'ok'>, path: string, error: unknown): string {
  const detail = error instanceof Error ? ` (${(error as { code?: string }).code ?? 'error'}: ${error.message})` : '';
  return `${WHAT[status]}: ${path}${detail}`;
}

/** The error code a refusal for this failure carries. */
export function storageErrorCode(status: StorageStatus): 'storage_full' | 'storage_read_only' | 'storage_failed' {
  return status === 'full' ? 'storage_full' : status === 'read_only' ? 'storage_read_only' : 'storage_failed';
}

/** How the engine refuses new work while writes fail. */
export function storageUnavailable(state: StorageState): LmqError {
  const code = storageErrorCode(state.status);
  return new LmqError(code, `LM Queue cannot take new work: ${state.message ?? state.path}; it resumes by itself once writes succeed`, {
    retryAfterSeconds: 10,
    details: { path: state.path },
  });
}
