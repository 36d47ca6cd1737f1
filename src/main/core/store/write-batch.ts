import type Database from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes outside an explicit transaction join one transaction that commits at
 * the end of the current event-loop turn, so a burst of submissions costs one commit.
 * Callers that acknowledge a write await `durable()`; anything about to be sent to LM Studio
 * calls `commitPending()` first.
 */
export class WriteBatch {
  /** Who waits for the open batch to commit; null while no batch is open. */
  private waiters: Waiter[] | null = null;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly onCommit: () => void,
    /** The end-of-turn commit failed (disk full, read-only): its waiters were told; nothing may throw from setImmediate. */
    private readonly onFailure: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  /** Call before a write: opens a batch unless one (or the caller's own transaction) is open. */
  join(): void {
    if (this.db.inTransaction) return; // the open batch, or an explicit transaction that commits its own writes
    this.begin.run();
    this.waiters = [];
    setImmediate(() => {
      try {
        this.commitPending();
      } catch (error) {
        this.onFailure(error);
      }
    });
  }

  /** Commits the open batch now, if any. */
  commitPending(): void {
    const waiters = this.waiters;
    if (!waiters) return;
    this.waiters = null;
    if (!this.db.open) {
      // The connection went away uncommitted (closed under us): those writes never happened.
      for (const w of waiters) w.reject(new Error('the database was closed before the write was committed'));
      return;
    }
    try {
      // A statement that failed may already have rolled the whole batch back (SQLITE_FULL can).
      if (!this.db.inTransaction) throw Object.assign(new Error('the group commit was rolled back by a failed write'), { code: 'SQLITE_IOERR_ROLLED_BACK' });
      this.commit.run();
    } catch (error) {
      // SQLite rolls back a commit that fails this way; make sure nothing half-done stays open.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const w of waiters) w.reject(error);
      throw error;
    }
    this.onCommit();
    for (const w of waiters) w.resolve();
  }

  /** Resolves once every write made so far is committed. */
  durable(): Promise<void> {
    const waiters = this.waiters;
    if (!waiters) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** Forgets the open batch without committing it (what a killed process leaves behind). */
  abandon(): void {
    this.waiters = null;
  }
}
