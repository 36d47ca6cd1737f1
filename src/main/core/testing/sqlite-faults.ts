/**
 * Write failures injected at the better-sqlite3 boundary, as a full or read-only disk gives
 * them: a COMMIT fails after SQLite rolled the transaction back; a write outside a transaction
 * fails before it changes anything. Patches Statement.prototype.run for the test file's process.
 */
import Database from 'better-sqlite3';

interface StatementPrototype {
  run: (...args: unknown[]) => unknown;
  source: string;
  reader: boolean;
  database: Database.Database;
}

let failing: string | null = null;
let installed = false;

const MESSAGES: Record<string, string> = {
  SQLITE_FULL: 'database or disk is full',
  SQLITE_READONLY: 'attempt to write a readonly database',
  SQLITE_IOERR_WRITE: 'disk I/O error',
};

/** From now on writes fail with `code` (SQLITE_FULL, SQLITE_READONLY, ...), or succeed again with null. */
export function failSqliteWrites(code: string | null): void {
  if (!installed) install();
  failing = code;
}

function install(): void {
  installed = true;
  const probe = new Database(':memory:');
  const Statement = probe.prepare('SELECT 1').constructor as { prototype: StatementPrototype };
  probe.close();
  const run = Statement.prototype.run;
  Statement.prototype.run = function (this: StatementPrototype, ...args: unknown[]) {
    if (failing !== null && !this.reader) {
      const db = this.database;
      const error = Object.assign(new Error(MESSAGES[failing] ?? failing), { code: failing });
      if (this.source === 'COMMIT') {
        db.exec('ROLLBACK');
        throw error;
      }
      if (!db.inTransaction && !/^(BEGIN|ROLLBACK|SAVEPOINT|RELEASE)/.test(this.source)) throw error;
    }
    return run.apply(this, args);
  };
}
