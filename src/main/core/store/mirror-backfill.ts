import type Database from 'better-sqlite3';
import type { OutboxJob } from './mirror-outbox';

/**
 * Jobs the outbox never saw, sent to Neo4j by the mirror in chunks of the job history: every
 * job, when the mirror is first configured for a Neo4j (an existing database); and jobs that
 * changed while LM Queue ran without the mirror (the outbox triggers exist only while it is on).
 * Progress is kept in `settings` per Neo4j target, so a restart resumes where it stopped.
 */
export interface BackfillPass {
  /** Only jobs changed since then (finished at or after it, or not finished yet); null: every job. */
  since: number | null;
  /** The newest job when the pass began; later ones were inserted with the outbox triggers on. */
  uptoSeq: number;
  /** Jobs up to here are done (committed to Neo4j). */
  throughSeq: number;
  /** Jobs sent by this pass so far. */
  jobs: number;
  startedAt: number;
  finishedAt: number | null;
  /** A pass to run after this one (a restart came before it finished): its `since`. */
  thenSince: number | null;
  /** When the mirror last ran for this target (its heartbeat, and at close). */
  seenAt: number;
}

/** The mirror's heartbeat may be this old when the process dies; what changed after it is sent again. */
export const SEEN_MARGIN_MS = 120_000;

const JOB_COLUMNS = `id, kind, model, owner, priority, lane, state, attempts, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, error, metadata, parent_id AS parentId`;

export class MirrorBackfill {
  private readonly statements;
  private readonly key: string;

  /** `target`: the Neo4j the mirror writes to (URI and database): another one needs its own backfill. */
  constructor(
    private readonly db: Database.Database,
    target: string,
  ) {
    this.key = `neo4j.backfill ${target}`;
    this.statements = {
      read: db.prepare(`SELECT value FROM settings WHERE name = ?`),
      write: db.prepare(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`),
      newestSeq: db.prepare(`SELECT coalesce(max(seq), 0) AS seq FROM jobs`),
      // A range of seq, not a LIMIT of matches: each read touches at most `size` rows, however few match.
      every: db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE seq > ? AND seq <= ? ORDER BY seq`),
      changedSince: db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE seq > ? AND seq <= ?
          AND (finished_at >= ? OR state IN ('queued', 'running')) ORDER BY seq`),
    };
  }

  /** The pass as stored, if any. */
  pass(): BackfillPass | null {
    const row = this.statements.read.get(this.key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as BackfillPass) : null;
  }

  /**
   * At open, before any transition is made: what this start owes Neo4j. The first time for a
   * target, every job; after a finished pass, what changed since the mirror was last seen
   * running; an unfinished pass resumes, with that as a pass after it.
   */
  begin(now: number): BackfillPass {
    const previous = this.pass();
    const uptoSeq = (this.statements.newestSeq.get() as { seq: number }).seq;
    let pass: BackfillPass;
    if (previous === null) {
      pass = { since: null, uptoSeq, throughSeq: 0, jobs: 0, startedAt: now, finishedAt: null, thenSince: null, seenAt: now };
    } else {
      const gapSince = previous.seenAt - SEEN_MARGIN_MS;
      if (previous.finishedAt === null) {
        const thenSince = previous.thenSince === null ? gapSince : Math.min(previous.thenSince, gapSince);
        pass = { ...previous, uptoSeq: Math.max(previous.uptoSeq, uptoSeq), thenSince, seenAt: now };
      } else {
        pass = { since: gapSince, uptoSeq, throughSeq: 0, jobs: 0, startedAt: now, finishedAt: null, thenSince: null, seenAt: now };
      }
    }
    if (pass.throughSeq >= pass.uptoSeq) pass = this.finished(pass, now);
    this.save(pass);
    return pass;
  }

  /** The next chunk of at most `size` jobs by seq: the jobs to send, and the seq they take the pass through. */
  next(pass: BackfillPass, size: number): { jobs: OutboxJob[]; throughSeq: number } {
    const throughSeq = Math.min(pass.throughSeq + size, pass.uptoSeq);
    const jobs = (
      pass.since === null
        ? this.statements.every.all(pass.throughSeq, throughSeq)
        : this.statements.changedSince.all(pass.throughSeq, throughSeq, pass.since)
    ) as OutboxJob[];
    return { jobs, throughSeq };
  }

  /** A chunk is committed in Neo4j: move the pass on (and on to its follow-up pass at the end). */
  advance(pass: BackfillPass, throughSeq: number, sent: number, now: number): BackfillPass {
    let next: BackfillPass = { ...pass, throughSeq, jobs: pass.jobs + sent, seenAt: now };
    if (throughSeq >= pass.uptoSeq) next = this.finished(next, now);
    this.save(next);
    return next;
  }

  /** The mirror is still running for this target (changes before now reach Neo4j through the outbox). */
  seen(pass: BackfillPass, now: number): BackfillPass {
    const next = { ...pass, seenAt: now };
    this.save(next);
    return next;
  }

  private finished(pass: BackfillPass, now: number): BackfillPass {
    if (pass.thenSince === null || pass.uptoSeq === 0) return { ...pass, thenSince: null, finishedAt: now };
    return { ...pass, since: pass.thenSince, thenSince: null, throughSeq: 0, finishedAt: null };
  }

  private save(pass: BackfillPass): void {
    this.statements.write.run(this.key, JSON.stringify(pass));
  }
}
