import type Database from 'better-sqlite3';
import type { Lane } from '../../../shared/job';
import type { ScheduleJobKind } from '../../../shared/schedule';
import type { CATCH_UP_POLICIES, OVERLAP_POLICIES } from '../../../shared/schedule';

/** What each run submits, with the priority and lane resolved at creation. */
export interface ScheduleJobTemplate {
  kind: ScheduleJobKind;
  /** Empty for a batch. */
  model: string;
  input: Record<string, unknown>;
  priority: number;
  lane: Lane;
  metadata: Record<string, unknown> | null;
}

export interface ScheduleRecord {
  name: string;
  owner: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  overlap: (typeof OVERLAP_POLICIES)[number];
  catchUp: (typeof CATCH_UP_POLICIES)[number];
  job: ScheduleJobTemplate;
  createdAt: number;
  updatedAt: number;
  /** The latest run time handled (fired, skipped, failed or given up as missed): nothing at or before it runs again. */
  lastFireAt: number;
  lastRunAt: number | null;
  lastJobId: string | null;
  lastError: { code: string; message: string; at: number } | null;
  fired: number;
  skipped: number;
  missed: number;
  failed: number;
  manual: number;
}

interface ScheduleRow {
  name: string;
  owner: string;
  cron: string;
  timezone: string;
  enabled: number;
  overlap: ScheduleRecord['overlap'];
  catch_up: ScheduleRecord['catchUp'];
  job: string;
  created_at: number;
  updated_at: number;
  last_fire_at: number;
  last_run_at: number | null;
  last_job_id: string | null;
  last_error: string | null;
  fired: number;
  skipped: number;
  missed: number;
  failed: number;
  manual: number;
}

function toRecord(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    owner: row.owner,
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled === 1,
    overlap: row.overlap,
    catchUp: row.catch_up,
    job: JSON.parse(row.job) as ScheduleJobTemplate,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastFireAt: row.last_fire_at,
    lastRunAt: row.last_run_at,
    lastJobId: row.last_job_id,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as ScheduleRecord['lastError']),
    fired: row.fired,
    skipped: row.skipped,
    missed: row.missed,
    failed: row.failed,
    manual: row.manual,
  };
}

/** The outcome of one run time, recorded with the time itself so that time is never handled twice. */
export type RunOutcome =
  | { kind: 'fired' | 'manual'; jobId: string; at: number }
  | { kind: 'skipped' | 'missed' }
  | { kind: 'failed'; error: { code: string; message: string }; at: number };

/** The `schedules` table (migration 4). Writes join the caller's transaction or the store's write batch. */
export class ScheduleStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      all: db.prepare(`SELECT * FROM schedules ORDER BY name`),
      byName: db.prepare(`SELECT * FROM schedules WHERE name = ?`),
      insert: db.prepare(`INSERT INTO schedules (name, owner, cron, timezone, enabled, overlap, catch_up, job, created_at, updated_at, last_fire_at)
        VALUES (@name, @owner, @cron, @timezone, @enabled, @overlap, @catchUp, @job, @createdAt, @updatedAt, @lastFireAt)`),
      update: db.prepare(`UPDATE schedules SET cron = @cron, timezone = @timezone, enabled = @enabled, overlap = @overlap,
        catch_up = @catchUp, job = @job, updated_at = @updatedAt, last_fire_at = @lastFireAt WHERE name = @name`),
      remove: db.prepare(`DELETE FROM schedules WHERE name = ?`),
      // Guarded: a time at or before the one recorded was handled already (by us, or before a restart).
      claimTime: db.prepare(`UPDATE schedules SET last_fire_at = ? WHERE name = ? AND last_fire_at < ?`),
      fired: db.prepare(`UPDATE schedules SET fired = fired + 1, last_run_at = ?, last_job_id = ?, last_error = NULL WHERE name = ?`),
      manual: db.prepare(`UPDATE schedules SET manual = manual + 1, last_run_at = ?, last_job_id = ?, last_error = NULL WHERE name = ?`),
      skipped: db.prepare(`UPDATE schedules SET skipped = skipped + 1 WHERE name = ?`),
      missed: db.prepare(`UPDATE schedules SET missed = missed + 1 WHERE name = ?`),
      failed: db.prepare(`UPDATE schedules SET failed = failed + 1, last_error = ? WHERE name = ?`),
    };
  }

  all(): ScheduleRecord[] {
    return (this.statements.all.all() as ScheduleRow[]).map(toRecord);
  }

  get(name: string): ScheduleRecord | null {
    const row = this.statements.byName.get(name) as ScheduleRow | undefined;
    return row ? toRecord(row) : null;
  }

  insert(record: Pick<ScheduleRecord, 'name' | 'owner' | 'cron' | 'timezone' | 'enabled' | 'overlap' | 'catchUp' | 'job' | 'createdAt' | 'lastFireAt'>): void {
    this.statements.insert.run({ ...this.writable(record), owner: record.owner, createdAt: record.createdAt, updatedAt: record.createdAt });
  }

  update(record: ScheduleRecord): void {
    this.statements.update.run({ ...this.writable(record), updatedAt: record.updatedAt });
  }

  remove(name: string): boolean {
    return this.statements.remove.run(name).changes === 1;
  }

  /** Marks run time `at` handled; false if it (or a later one) was handled already. */
  claimTime(name: string, at: number): boolean {
    return this.statements.claimTime.run(at, name, at).changes === 1;
  }

  record(name: string, outcome: RunOutcome): void {
    switch (outcome.kind) {
      case 'fired':
      case 'manual':
        this.statements[outcome.kind].run(outcome.at, outcome.jobId, name);
        return;
      case 'skipped':
      case 'missed':
        this.statements[outcome.kind].run(name);
        return;
      case 'failed':
        this.statements.failed.run(JSON.stringify({ ...outcome.error, at: outcome.at }), name);
    }
  }

  private writable(record: Pick<ScheduleRecord, 'name' | 'cron' | 'timezone' | 'enabled' | 'overlap' | 'catchUp' | 'job' | 'lastFireAt'>) {
    return {
      name: record.name,
      cron: record.cron,
      timezone: record.timezone,
      enabled: record.enabled ? 1 : 0,
      overlap: record.overlap,
      catchUp: record.catchUp,
      job: JSON.stringify(record.job),
      lastFireAt: record.lastFireAt,
    };
  }
}
