import type Database from 'better-sqlite3';

/** Engine settings that outlive a restart (the admin's dispatch pause), as JSON by name. */
export class SettingsStore {
  private readonly read: Database.Statement;
  private readonly write: Database.Statement;

  constructor(db: Database.Database) {
    this.read = db.prepare('SELECT value FROM settings WHERE name = ?');
    this.write = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  get<T>(name: string): T | undefined {
    const row = this.read.get(name) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  set(name: string, value: unknown): void {
    this.write.run(name, JSON.stringify(value));
  }
}
