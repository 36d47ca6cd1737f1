import type Database from 'better-sqlite3';
import type { JobState, Lane } from '../../../shared/job';

/** SQLite's clock in epoch ms, inside the trigger (the row's age is the mirror's lag in seconds). */
const NOW_MS = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

/**
 * TEMP triggers live on this connection only: without the Neo4j settings they do not exist and a
 * transition writes nothing more. Each fires inside the statement that changes the job, so the
 * outbox row commits (or rolls back) with the change itself, whichever transaction that is.
 */
const TRIGGERS = [
  `CREATE TEMP TRIGGER IF NOT EXISTS mirror_job_inserted AFTER INSERT ON main.jobs BEGIN
     INSERT INTO mirror_outbox (job_seq, at) VALUES (new.seq, ${NOW_MS});
   END`,
  `CREATE TEMP TRIGGER IF NOT EXISTS mirror_job_updated AFTER UPDATE OF state, priority, attempts ON main.jobs
   WHEN old.state IS NOT new.state OR old.priority IS NOT new.priority OR old.attempts IS NOT new.attempts
   BEGIN
     INSERT INTO mirror_outbox (job_seq, at) VALUES (new.seq, ${NOW_MS});
   END`,
];

/** What the syncer sends for one job: its stored state at the time of reading. */
export interface OutboxJob {
  id: string;
  kind: string;
  model: string;
  owner: string;
  priority: number;
  lane: Lane;
  state: JobState;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The stored error JSON, if any. */
  error: string | null;
  /** The stored metadata JSON, if any (the schedule's name). */
  metadata: string | null;
  /** A child job's parent. */
  parentId: string | null;
}

export interface OutboxBatch {
  /** The last outbox row read; delete through it once the batch is committed elsewhere. */
  throughSeq: number;
  /** Outbox rows read (several may name one job). */
  changes: number;
  /** One entry per job, in the order of each job's latest change; purged jobs are left out. */
  jobs: OutboxJob[];
}

export interface OutboxLag {
  rows: number;
  /** When the oldest row not yet mirrored was written (epoch ms), null when none. */
  oldestAt: number | null;
}

interface BatchRow {
  outbox_seq: number;
  id: string | null;
  kind: string;
  model: string;
  owner: string;
  priority: number;
  lane: Lane;
  state: JobState;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  metadata: string | null;
  parent_id: string | null;
}

/**
 * The store side of the Neo4j mirror: SQLite stays the source of truth, and every change of a
 * job leaves a row here until the mirror has committed it to Neo4j (then `deleteThrough`).
 */
export class MirrorOutbox {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    for (const sql of TRIGGERS) db.exec(sql);
    this.statements = {
      read: db.prepare(`SELECT o.seq AS outbox_seq, j.id, j.kind, j.model, j.owner, j.priority, j.lane, j.state,
          j.attempts, j.created_at, j.started_at, j.finished_at, j.error, j.metadata, j.parent_id
        FROM mirror_outbox o LEFT JOIN jobs j ON j.seq = o.job_seq ORDER BY o.seq LIMIT ?`),
      deleteThrough: db.prepare(`DELETE FROM mirror_outbox WHERE seq <= ?`),
      noteProgress: db.prepare(`INSERT INTO mirror_outbox (job_seq, progress_only, at)
          SELECT seq, 1, ${NOW_MS} FROM jobs WHERE seq = ? AND state = 'running'`),
      lag: db.prepare(`SELECT count(*) AS n, min(at) AS oldest FROM mirror_outbox`),
      count: db.prepare(`SELECT count(*) AS n FROM mirror_outbox`),
      coalesceProgress: db.prepare(`DELETE FROM mirror_outbox WHERE progress_only = 1
          AND seq < (SELECT max(later.seq) FROM mirror_outbox later WHERE later.job_seq = mirror_outbox.job_seq)`),
      coalesceAll: db.prepare(`DELETE FROM mirror_outbox
          WHERE seq < (SELECT max(later.seq) FROM mirror_outbox later WHERE later.job_seq = mirror_outbox.job_seq)`),
    };
  }

  /** A running job's progress changed (no stored column changes, so no trigger fires); ignored once it is not running. */
  noteProgress(jobSeq: number): void {
    this.statements.noteProgress.run(jobSeq);
  }

  /** The oldest `limit` rows, joined with their jobs' current state. */
  read(limit: number): OutboxBatch {
    const rows = this.statements.read.all(limit) as BatchRow[];
    const latest = new Map<string, OutboxJob>();
    for (const row of rows) {
      if (row.id === null) continue; // purged by retention before it was mirrored
      latest.delete(row.id); // re-inserted: the map's order becomes the order of each job's latest change
      latest.set(row.id, {
        id: row.id,
        kind: row.kind,
        model: row.model,
        owner: row.owner,
        priority: row.priority,
        lane: row.lane,
        state: row.state,
        attempts: row.attempts,
        createdAt: row.created_at,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        error: row.error,
        metadata: row.metadata,
        parentId: row.parent_id,
      });
    }
    return { throughSeq: rows.at(-1)?.outbox_seq ?? 0, changes: rows.length, jobs: [...latest.values()] };
  }

  deleteThrough(seq: number): void {
    this.statements.deleteThrough.run(seq);
  }

  lag(): OutboxLag {
    const row = this.statements.lag.get() as { n: number; oldest: number | null };
    return { rows: row.n, oldestAt: row.oldest };
  }

  /**
   * Keeps the outbox bounded while Neo4j is away. Rows are references (the job's state is read
   * when sending), so a row followed by a later one for the same job carries nothing new:
   * progress-only rows go first, then any superseded row. What stays is at most one row per job.
   */
  coalesceIfOver(maxRows: number): number {
    if ((this.statements.count.get() as { n: number }).n <= maxRows) return 0;
    let removed = this.statements.coalesceProgress.run().changes;
    if ((this.statements.count.get() as { n: number }).n > maxRows) removed += this.statements.coalesceAll.run().changes;
    return removed;
  }
}
