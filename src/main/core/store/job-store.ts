/**
 * The job store: the durable record of every job (SQLite, WAL) and its guarded transitions.
 * Over ~400 lines: see the class comment (its guarded transitions are read side by side).
 */
import Database from 'better-sqlite3';
import type { JobError, JobState, Usage } from '../../../shared/job';
import { acquireDirectoryLock } from './directory-lock';
import { readHistory, type HistoryPage, type HistoryQuery } from './job-history';
import { newJobId } from './job-id';
import type { JobRecord, NewJob, QueuedEntry } from './job-record';
import { rowToRecord, type JobRow } from './job-row';
import { prepareJobStatements, type JobStatements } from './job-statements';
import { migrate } from './schema';
import type { CheckpointResult } from './wal-checkpointer';
import { WalPolicy } from './wal-policy';
import { WriteBatch } from './write-batch';

export interface JobStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  /**
   * NORMAL (default) survives a killed process with no loss (WAL); FULL also survives power loss
   * at the cost of an fsync per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Path of a better-sqlite3 addon built for another ABI (Electron); default: Node's build. */
  nativeBinding?: string | null;
  /** How long a write waits for a lock held by another connection (default 1 s). */
  busyTimeoutMs?: number;
  /** A background checkpoint finished (WAL frames in the log, and copied back). */
  onCheckpoint?: (result: CheckpointResult) => void;
  /** The checkpoint thread failed; SQLite's own checkpoints took over (slower, still safe). */
  onCheckpointFailure?: (error: Error) => void;
  /** Called before an existing database's schema is upgraded (a long history takes a while). */
  onUpgrade?: (from: number, to: number) => void;
  /** WAL bounds (tests shrink them): this thread restarts the WAL past `restartFrames` pages, or past `maxWalBytes` on disk. */
  wal?: { restartFrames?: number; maxWalBytes?: number };
  /** The end-of-turn group commit failed (its waiters were rejected with the error); default: throw. */
  onWriteFailure?: (error: unknown) => void;
}

export interface ClaimedJob {
  id: string;
  input: Record<string, unknown>;
}

interface QueuedRow {
  seq: number;
  kind: QueuedEntry['kind'];
  model: string;
  owner: string;
  lane: QueuedEntry['lane'];
  priority: number;
  created_at: number;
  run_at: number | null;
  prompt_tokens: number;
  max_tokens: number | null;
  parent_id: string | null;
}

const BUSY_TIMEOUT_MS = 1_000;
/** A job running at this many crashes of LM Queue in a row fails rather than run again. */
export const MAX_CRASH_RECOVERIES = 5;

function openDatabase(options: JobStoreOptions, nativeBinding: { nativeBinding?: string }): Database.Database {
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, ...nativeBinding });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    migrate(db, { onUpgrade: options.onUpgrade });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The record of a job just inserted. Field by field: a record never carries the input, and in
 * V8 a spread that adds fields ({ ...job, seq, id }) is a slow path that cost as much as the
 * insert (enqueue bench).
 */
function queuedRecord(seq: number, id: string, job: NewJob, parentId: string | null, childIndex: number | null): JobRecord {
  return {
    seq,
    id,
    kind: job.kind,
    model: job.model,
    owner: job.owner,
    priority: job.priority,
    lane: job.lane,
    state: 'queued',
    attempts: 0,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt,
    runAt: job.runAt,
    startedAt: null,
    finishedAt: null,
    promptTokens: job.promptTokens,
    maxTokens: job.maxTokens,
    metadata: job.metadata,
    error: null,
    usage: null,
    parentId,
    childIndex,
  };
}

/**
 * The durable record of every job. Each state change is one SQLite statement guarded by the
 * expected current state, so a change that lost a race reports `false` instead of clobbering.
 * Nothing is deleted on dequeue; finished jobs are removed only by `purgeFinished` (retention).
 * Over ~400 lines: every guarded transition of a job's row is here, side by side, so the
 * guards can be read against each other.
 */
export class JobStore {
  readonly db: Database.Database;
  /** Jobs per state, kept in step with every transition (no COUNT(*) on the hot path). */
  readonly counts: Record<JobState, number>;
  private readonly statements: JobStatements;
  /** Held for the life of the store: one engine per data directory. */
  private readonly lock: Database.Database | null = null;
  private readonly batch: WriteBatch;
  private readonly wal: WalPolicy;
  /** One wrapper for every transaction: `db.transaction(fn)` builds a new wrapper on each call. */
  private readonly inTransaction: (fn: () => unknown) => unknown;
  private readonly path: string;
  private readonly nativeBinding: { nativeBinding?: string };

  constructor(options: JobStoreOptions) {
    this.path = options.path;
    this.nativeBinding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    const nativeBinding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    if (options.path !== ':memory:') this.lock = acquireDirectoryLock(`${options.path}.lock`, nativeBinding);
    try {
      this.db = openDatabase(options, nativeBinding);
    } catch (error) {
      this.lock?.close();
      throw error;
    }
    this.statements = prepareJobStatements(this.db);
    this.counts = this.countByState();
    this.inTransaction = this.db.transaction((fn: () => unknown) => fn());
    this.wal = new WalPolicy(this.db, {
      nativeBinding: options.nativeBinding ?? null,
      restartFrames: options.wal?.restartFrames,
      maxWalBytes: options.wal?.maxWalBytes,
      onCheckpoint: options.onCheckpoint,
      onCheckpointFailure: options.onCheckpointFailure,
    });
    this.batch = new WriteBatch(this.db, () => this.wal.committed(), options.onWriteFailure);
  }

  /** After a commit failed and was rolled back: the counts again as the disk has them. */
  recount(): void {
    Object.assign(this.counts, this.countByState());
  }

  private moved(from: JobState, to: JobState, changed: boolean): boolean {
    if (changed) {
      this.counts[from]--;
      this.counts[to]++;
    }
    return changed;
  }

  /** Commits the open write batch now, if any (see WriteBatch). */
  commitPending(): void {
    this.batch.commitPending();
  }

  /** Resolves once every write made so far is committed. */
  durable(): Promise<void> {
    return this.batch.durable();
  }

  insert(job: NewJob): JobRecord {
    return this.insertRow(job, null, null)!;
  }

  /**
   * A parent's child at `childIndex`, queued; null if that child is there already (added again
   * after a crash: nothing is added twice). Joins the caller's transaction or the write batch.
   */
  insertChild(job: NewJob, parentId: string, childIndex: number): JobRecord | null {
    return this.insertRow(job, parentId, childIndex);
  }

  private insertRow(job: NewJob, parentId: string | null, childIndex: number | null): JobRecord | null {
    this.batch.join();
    const id = newJobId();
    const row = {
      id,
      kind: job.kind,
      model: job.model,
      owner: job.owner,
      priority: job.priority,
      lane: job.lane,
      maxAttempts: job.maxAttempts,
      createdAt: job.createdAt,
      runAt: job.runAt,
      promptTokens: job.promptTokens,
      maxTokens: job.maxTokens,
      metadata: job.metadata === null ? null : JSON.stringify(job.metadata),
    };
    const info = parentId === null ? this.statements.insert.run(row) : this.statements.insertChild.run({ ...row, parentId, childIndex });
    if (info.changes === 0) return null;
    const seq = Number(info.lastInsertRowid);
    // Same transaction as the row (the write batch, or the caller's).
    this.statements.insertInput.run(seq, JSON.stringify(job.input));
    this.counts.queued++;
    return queuedRecord(seq, id, job, parentId, childIndex);
  }

  /** A parent job's first child started: the parent is running (it holds no slot itself). */
  startParent(seq: number, now: number): boolean {
    this.batch.join();
    return this.moved('queued', 'running', this.statements.startParent.run(now, seq).changes === 1);
  }

  /** A parent job ends once its children have; its result is what they came to. False if it was not `from`. */
  finishParent(
    seq: number,
    now: number,
    end: { state: 'succeeded' | 'failed' | 'canceled'; error: JobError | null; result: unknown },
    from: 'queued' | 'running',
  ): boolean {
    this.batch.join();
    const info = this.statements.finishParent.run(end.state, now, end.error && JSON.stringify(end.error), seq, from);
    if (info.changes === 1) {
      const summary = this.statements.bySeqWithResult.get(seq) as { result: string | null } | undefined;
      const saved = summary?.result ? (JSON.parse(summary.result) as Record<string, unknown>) : {};
      this.statements.saveResult.run(seq, JSON.stringify({ ...saved, ...(end.result as Record<string, unknown>) }));
    }
    return this.moved(from, end.state, info.changes === 1);
  }

  /** What a parent's owner says it came to (an index's summary), kept beside what its children say at its end. */
  saveParentSummary(seq: number, summary: Record<string, unknown>): void {
    this.batch.join();
    this.statements.saveResult.run(seq, JSON.stringify(summary));
  }

  /** Runs `fn` in one transaction (one commit for a burst of inserts). */
  transaction<T>(fn: () => T): T {
    const outermost = !this.db.inTransaction;
    let result: T;
    try {
      result = this.inTransaction(fn) as T;
    } catch (error) {
      // A failed COMMIT (disk full) is rolled back by SQLite; never leave one half open.
      if (outermost && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    if (outermost) this.wal.committed();
    return result;
  }

  /**
   * Marks a queued job running before anything is sent, and returns what is to be sent; null
   * if it is no longer queued.
   */
  claim(seq: number, now: number, claimedBy: string): ClaimedJob | null {
    const row = this.statements.claim.get(now, claimedBy, seq) as { id: string; input: string } | undefined;
    if (!row) return null;
    this.moved('queued', 'running', true);
    return { id: row.id, input: JSON.parse(row.input) as Record<string, unknown> };
  }

  succeed(seq: number, now: number, result: unknown, usage: Usage | null): boolean {
    const info = this.statements.succeed.run(now, usage && JSON.stringify(usage), seq);
    if (info.changes === 1) this.statements.saveResult.run(seq, JSON.stringify(result ?? null));
    return this.moved('running', 'succeeded', info.changes === 1);
  }

  /**
   * Running → queued again (retry after backoff, or a shutdown that could not wait).
   * `refundAttempt`: the attempt did not really happen (LM Studio unreachable, our shutdown).
   */
  requeue(seq: number, runAt: number | null, error: JobError | null, refundAttempt = false): boolean {
    const info = this.statements.requeue.run(runAt, error && JSON.stringify(error), refundAttempt ? 1 : 0, seq);
    return this.moved('running', 'queued', info.changes === 1);
  }

  fail(seq: number, now: number, error: JobError, from: 'queued' | 'running' = 'running'): boolean {
    const info = this.statements.fail.run(now, JSON.stringify(error), seq, from);
    return this.moved(from, 'failed', info.changes === 1);
  }

  cancel(seq: number, now: number, reason: string, from: 'queued' | 'running'): boolean {
    const error: JobError = { code: 'canceled', message: reason };
    return this.moved(from, 'canceled', this.statements.cancel.run(now, JSON.stringify(error), seq, from).changes === 1);
  }

  reprioritize(seq: number, priority: number): boolean {
    return this.statements.reprioritize.run(priority, seq).changes === 1;
  }

  getById(id: string): JobRecord | null {
    const row = this.statements.byId.get(id) as JobRow | undefined;
    return row ? rowToRecord(row) : null;
  }

  getBySeq(seq: number): JobRecord | null {
    const row = this.statements.bySeq.get(seq) as JobRow | undefined;
    return row ? rowToRecord(row) : null;
  }

  /** A job and its stored result text (null if none), in one read; null if no such job. */
  getBySeqWithResult(seq: number): { record: JobRecord; resultJson: string | null } | null {
    const row = this.statements.bySeqWithResult.get(seq) as (JobRow & { result: string | null }) | undefined;
    return row ? { record: rowToRecord(row), resultJson: row.result } : null;
  }

  /** A job's input (what is sent to LM Studio), or null if no such job. */
  inputOf(seq: number): Record<string, unknown> | null {
    const row = this.statements.inputBySeq.get(seq) as { input: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.input) as Record<string, unknown>);
  }

  /** A job's state and stored result text (one read, nothing parsed), or null if no such job. */
  resultTextById(id: string): { state: JobState; result: string | null } | null {
    return (this.statements.resultById.get(id) as { state: JobState; result: string | null } | undefined) ?? null;
  }

  /**
   * Jobs a dead process left running go back to the queue. The crash was ours, not the job's:
   * the attempt counted at claim is given back and the crash counted apart, so a crash loop
   * cannot use up innocent jobs' attempts; a job that was running at MAX_CRASH_RECOVERIES crashes
   * may be what takes the server down, and fails instead of looping.
   */
  recoverInterrupted(now: number): { requeued: number; failed: number } {
    return this.transaction(() => {
      const rows = this.statements.interrupted.all() as { seq: number; crash_recoveries: number }[];
      let requeued = 0;
      let failed = 0;
      const error: JobError = { code: 'interrupted', message: 'LM Queue stopped while this job was running', retryable: true };
      for (const row of rows) {
        const crashes = row.crash_recoveries + 1;
        if (crashes >= MAX_CRASH_RECOVERIES) {
          const message = `LM Queue stopped ${crashes} times while this job was running; it is not run again in case it is the cause`;
          this.fail(row.seq, now, { ...error, message, retryable: false });
          failed++;
        } else {
          this.moved('running', 'queued', this.statements.requeueAfterCrash.run(JSON.stringify(error), row.seq).changes === 1);
          requeued++;
        }
      }
      return { requeued, failed };
    });
  }

  /** Every queued job, oldest first, without payloads. */
  *queuedEntries(): Generator<QueuedEntry> {
    for (const raw of this.statements.queued.iterate()) {
      const row = raw as QueuedRow;
      yield {
        seq: row.seq,
        kind: row.kind,
        model: row.model,
        owner: row.owner,
        lane: row.lane,
        priority: row.priority,
        createdAt: row.created_at,
        runAt: row.run_at ?? 0,
        promptTokens: row.prompt_tokens,
        maxTokens: row.max_tokens,
        parentId: row.parent_id,
      };
    }
  }

  countByState(): Record<JobState, number> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    let others = 0;
    for (const row of this.statements.countByState.all() as { state: JobState; n: number }[]) {
      counts[row.state] = row.n;
      others += row.n;
    }
    counts.succeeded = (this.statements.countAll.get() as { n: number }).n - others;
    return counts;
  }

  /** Newest first; `search` matches id, owner or model. */
  history(query: HistoryQuery): HistoryPage {
    return readHistory(this.db, query);
  }

  /** Retention: drops finished jobs that finished before `before`. */
  purgeFinished(before: number): number {
    return this.transaction(() => {
      for (const row of this.statements.purgeCounts.all(before) as { state: JobState; n: number }[]) {
        this.counts[row.state] -= row.n;
      }
      this.purgeChildrenOfExpired(before);
      this.statements.purgeInputs.run(before);
      this.statements.purgeResults.run(before);
      return this.statements.purge.run(before).changes;
    });
  }

  /** An expired parent's children go with it (they are never purged on their own). */
  private purgeChildrenOfExpired(before: number): void {
    const { statements } = this;
    for (const { id } of statements.expiredParents.all(before) as { id: string }[]) {
      for (const row of statements.purgeChildCounts.all(id) as { state: JobState; n: number }[]) this.counts[row.state] -= row.n;
      statements.purgeChildInputs.run(id);
      statements.purgeChildResults.run(id);
      statements.purgeChildren.run(id);
    }
    statements.purgeParentMarks.run(before);
  }

  loadStats(): { key: string; value: number; samples: number }[] {
    return this.statements.loadStats.all() as { key: string; value: number; samples: number }[];
  }

  saveStats(stats: Iterable<{ key: string; value: number; samples: number }>): void {
    this.transaction(() => {
      for (const s of stats) this.statements.saveStat.run(s.key, s.value, s.samples);
    });
  }

  /**
   * A read-only connection of its own to the same file (null in memory), for reads whose
   * settings should not reach the writer's (an index search maps the file into memory).
   */
  openReader(): Database.Database | null {
    if (this.path === ':memory:') return null;
    return new Database(this.path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS, ...this.nativeBinding });
  }

  /** What a killed process leaves behind: the open write batch is never committed. */
  abandon(): void {
    this.batch.abandon();
    this.db.close();
    this.lock?.close();
    void this.wal.close();
  }

  /**
   * Closes the database at once; the promise settles when the checkpoint thread has closed its
   * connection too (the last connection to close checkpoints and removes the WAL).
   */
  close(): Promise<void> {
    if (!this.db.open) return Promise.resolve();
    try {
      this.commitPending();
    } catch {
      // Its waiters were told; the database itself stays intact (SQLite rolled the batch back).
    }
    this.db.close();
    this.lock?.close();
    return this.wal.close();
  }
}
