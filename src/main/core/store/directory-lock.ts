import Database from 'better-sqlite3';

/**
 * A lock file held for the life of the process (an exclusive SQLite lock, released by the OS
 * if the process dies), so two engines never share one data directory.
 */
export function acquireDirectoryLock(path: string, options: { nativeBinding?: string }): Database.Database {
  const lock = new Database(path, { timeout: 0, ...options });
  try {
    lock.pragma('journal_mode = MEMORY'); // no -journal file next to it
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN IMMEDIATE; COMMIT;');
    return lock;
  } catch (error) {
    lock.close();
    const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY');
    if (busy) throw new Error(`data directory is in use by another LM Queue process (${path})`, { cause: error });
    throw error;
  }
}
