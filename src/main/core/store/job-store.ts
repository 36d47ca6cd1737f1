import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { JobError, JobState, Usage } from '../../../shared/job';
import type { JobRecord, NewJob, QueuedEntry } from './job-record';
import { RECORD_COLUMNS, rowToRecord, type JobRow } from './job-row';
import { migrate } from './schema';
import { WalCheckpointer, type CheckpointResult } from './wal-checkpointer';

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
}

/** The state index leaves out succeeded jobs; queries that use it must say so (see schema). */
const NOT_SUCCEEDED = `state <> 'succeeded'`;
/** A job's stored result text, as a column of a query on `jobs`. */
const RESULT_COLUMN = `(SELECT result FROM job_results WHERE job_results.seq = jobs.seq) AS result`;

export interface ClaimedJob {
  id: string;
  input: Record<string, unknown>;
}

/** Commits before checkpoints move to their own thread (see `committed`). */
const BUSY_COMMITS = 64;
/** How often (in commits) the WAL's size is checked, and past what size this thread restarts it. */
const WAL_CHECK_EVERY = 128;
const MAX_WAL_BYTES = 256 * 2 ** 20;
const RESTART_FRAMES = 16_384;
const BUSY_TIMEOUT_MS = 1_000;
/** After a restart came back busy, commits until the next try. */
const RESTART_RETRY_COMMITS = 16;
/** A restart waits until at most this many frames (4 MB) are still to be copied back. */
const RESTART_MAX_GAP_FRAMES = 1_024;

/**
 * A lock file held for the life of the process (an exclusive SQLite lock, released by the OS
 * if the process dies), so two engines never share one data directory.
 */
function acquireDirectoryLock(path: string, options: { nativeBinding?: string }): Database.Database {
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

export interface HistoryQuery {
  state?: JobState | undefined;
  owner?: string | undefined;
  model?: string | undefined;
  search?: string | undefined;
  limit: number;
  /** Opaque: the seq of the last row of the previous page. */
  cursor?: string | undefined;
}

/** Random bytes fetched in blocks: one syscall per ~450 ids instead of one each. */
const idPool = { bytes: Buffer.alloc(0), at: 0 };

/** URL-safe characters in ASCII order, so encoded times sort as the times do. */
const SORTED_ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const timePrefix = { ms: -1, text: '' };

/** The creation millisecond in 8 sortable characters (good until the year 10889). */
function encodeTime(ms: number): string {
  if (ms !== timePrefix.ms) {
    let text = '';
    for (let i = 0, rest = ms; i < 8; i++, rest = Math.floor(rest / 64)) text = SORTED_ALPHABET[rest % 64]! + text;
    timePrefix.ms = ms;
    timePrefix.text = text;
  }
  return timePrefix.text;
}

/**
 * `job_` + creation time (sortable) + 72 random bits. Time first keeps the unique index on ids
 * append-mostly (a random id lands on a random index page: more pages written per commit).
 */
export function newJobId(now = Date.now()): string {
  if (idPool.at + 9 > idPool.bytes.length) {
    idPool.bytes = randomBytes(4096);
    idPool.at = 0;
  }
  const id = idPool.bytes.toString('base64url', idPool.at, idPool.at + 9);
  idPool.at += 9;
  return `job_${encodeTime(now)}${id}`;
}

/**
 * The durable record of every job. Each state change is one SQLite statement guarded by the
 * expected current state, so a change that lost a race reports `false` instead of clobbering.
 * Nothing is deleted on dequeue; finished jobs are removed only by `purgeFinished` (retention).
 */
export class JobStore {
  readonly db: Database.Database;
  /** Jobs per state, kept in step with every transition (no COUNT(*) on the hot path). */
  readonly counts: Record<JobState, number>;
  private readonly statements;

  /** Held for the life of the store: one engine per data directory. */
  private readonly lock: Database.Database | null = null;
  private checkpointer: WalCheckpointer | null = null;
  /** Commits so far; the checkpoint thread starts once a store is clearly busy. */
  private commits = 0;
  private nextWalCheck = WAL_CHECK_EVERY;
  /** The WAL should restart at the next commit (the checkpoint thread is behind, or a try was busy). */
  private restartWanted = false;
  private readonly nativeBinding: string | null;
  private readonly onCheckpointFailure: ((error: Error) => void) | null;
  private readonly onCheckpoint: ((result: CheckpointResult) => void) | null;
  private readonly maxWalBytes: number;
  private readonly restartFrames: number;
  /** One wrapper for every transaction, and the write batch's statements. */
  private readonly inTransaction: (fn: () => unknown) => unknown;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;

  constructor(options: JobStoreOptions) {
    const nativeBinding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    if (options.path !== ':memory:') this.lock = acquireDirectoryLock(`${options.path}.lock`, nativeBinding);
    let db: Database.Database | null = null;
    try {
      db = new Database(options.path, { timeout: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, ...nativeBinding });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      migrate(db, { onUpgrade: options.onUpgrade });
    } catch (error) {
      db?.close();
      this.lock?.close();
      throw error;
    }
    this.db = db;
    this.onCheckpointFailure = options.onCheckpointFailure ?? null;
    this.onCheckpoint = options.onCheckpoint ?? null;
    this.maxWalBytes = options.wal?.maxWalBytes ?? MAX_WAL_BYTES;
    this.restartFrames = options.wal?.restartFrames ?? RESTART_FRAMES;
    this.nativeBinding = options.nativeBinding ?? null;
    this.statements = {
      insert: db.prepare(`INSERT INTO jobs (id, kind, model, owner, priority, lane, state, attempts, max_attempts,
          created_at, run_at, prompt_tokens, max_tokens, metadata)
        VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?)`),
      insertInput: db.prepare(`INSERT INTO job_inputs (seq, input) VALUES (?, ?)`),
      claim: db.prepare(`UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, claimed_by = ?,
          error = NULL WHERE seq = ? AND state = 'queued'
          RETURNING id, (SELECT input FROM job_inputs WHERE job_inputs.seq = jobs.seq) AS input`),
      succeed: db.prepare(`UPDATE jobs SET state = 'succeeded', finished_at = ?, usage = ?, error = NULL
          WHERE seq = ? AND state = 'running'`),
      saveResult: db.prepare(`INSERT OR REPLACE INTO job_results (seq, result) VALUES (?, ?)`),
      requeue: db.prepare(`UPDATE jobs SET state = 'queued', run_at = ?, error = ?, claimed_by = NULL,
          attempts = max(0, attempts - ?) WHERE seq = ? AND state = 'running'`),
      fail: db.prepare(`UPDATE jobs SET state = 'failed', finished_at = ?, error = ?
          WHERE seq = ? AND state = ?`),
      cancel: db.prepare(`UPDATE jobs SET state = 'canceled', finished_at = ?, error = ? WHERE seq = ? AND state = ?`),
      reprioritize: db.prepare(`UPDATE jobs SET priority = ? WHERE seq = ? AND state = 'queued'`),
      byId: db.prepare(`SELECT ${RECORD_COLUMNS} FROM jobs WHERE id = ?`),
      bySeq: db.prepare(`SELECT ${RECORD_COLUMNS} FROM jobs WHERE seq = ?`),
      bySeqWithResult: db.prepare(`SELECT ${RECORD_COLUMNS}, ${RESULT_COLUMN} FROM jobs WHERE seq = ?`),
      resultById: db.prepare(`SELECT state, ${RESULT_COLUMN} FROM jobs WHERE id = ?`),
      inputBySeq: db.prepare(`SELECT input FROM job_inputs WHERE seq = ?`).pluck(),
      queued: db.prepare(`SELECT seq, kind, model, owner, lane, priority, created_at, run_at, prompt_tokens, max_tokens
          FROM jobs WHERE state = 'queued' AND ${NOT_SUCCEEDED} ORDER BY seq`),
      countByState: db.prepare(`SELECT state, count(*) AS n FROM jobs WHERE ${NOT_SUCCEEDED} GROUP BY state`),
      countAll: db.prepare(`SELECT count(*) FROM jobs`).pluck(),
      interrupted: db.prepare(`SELECT seq, attempts, max_attempts FROM jobs WHERE state = 'running' AND ${NOT_SUCCEEDED}`),
      purge: db.prepare(`DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?`),
      purgeInputs: db.prepare(`DELETE FROM job_inputs WHERE seq IN
          (SELECT seq FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?)`),
      purgeResults: db.prepare(`DELETE FROM job_results WHERE seq IN
          (SELECT seq FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?)`),
      purgeCounts: db.prepare(`SELECT state, count(*) AS n FROM jobs
          WHERE finished_at IS NOT NULL AND finished_at < ? GROUP BY state`),
      loadStats: db.prepare(`SELECT key, value, samples FROM service_stats`),
      saveStat: db.prepare(`INSERT INTO service_stats (key, value, samples) VALUES (?, ?, ?)
          ON CONFLICT(key) DO UPDATE SET value = excluded.value, samples = excluded.samples`),
    };
    this.counts = this.countByState();
    // One wrapper for every transaction: `db.transaction(fn)` builds a new one per call, which
    // cost ~25 µs each (measured), as much as the insert it wrapped.
    this.inTransaction = db.transaction((fn: () => unknown) => fn());
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  private moved(from: JobState, to: JobState, changed: boolean): boolean {
    if (changed) {
      this.counts[from]--;
      this.counts[to]++;
    }
    return changed;
  }

  /**
   * Group commit: writes outside an explicit transaction join one transaction that commits at
   * the end of the current event-loop turn, so a burst of submissions costs one commit.
   * Callers that acknowledge a write await `durable()`; anything about to be sent to LM Studio
   * calls `commitPending()` first.
   */
  private batch: { waiters: { resolve: () => void; reject: (error: unknown) => void }[] } | null = null;

  private joinBatch(): void {
    if (this.db.inTransaction) return; // inside an explicit transaction: it commits its own writes
    this.begin.run();
    this.batch = { waiters: [] };
    setImmediate(() => this.commitPending());
  }

  /** Commits the open write batch now, if any. */
  commitPending(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    if (!this.db.open) {
      // The connection went away uncommitted (closed under us): those writes never happened.
      for (const w of batch.waiters) w.reject(new Error('the database was closed before the write was committed'));
      return;
    }
    try {
      this.commit.run();
    } catch (error) {
      for (const w of batch.waiters) w.reject(error);
      throw error;
    }
    this.committed();
    for (const w of batch.waiters) w.resolve();
  }

  /** Resolves once every write made so far is committed. */
  durable(): Promise<void> {
    const batch = this.batch;
    if (!batch) return Promise.resolve();
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  insert(job: NewJob): JobRecord {
    this.joinBatch();
    const id = newJobId();
    // Positional parameters: binding by name looks each key up (~1.4 µs more per insert, measured).
    const info = this.statements.insert.run(
      id,
      job.kind,
      job.model,
      job.owner,
      job.priority,
      job.lane,
      job.maxAttempts,
      job.createdAt,
      job.runAt,
      job.promptTokens,
      job.maxTokens,
      job.metadata === null ? null : JSON.stringify(job.metadata),
    );
    const seq = Number(info.lastInsertRowid);
    // Same transaction as the row (the write batch, or the caller's).
    this.statements.insertInput.run(seq, JSON.stringify(job.input));
    this.counts.queued++;
    // Every field spelled out: `{ ...job, seq, id, ... }` took ~20 µs here (measured), as long
    // as the insert itself — in V8 a spread followed by fields the source lacks is a slow path.
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
    };
  }

  /** Runs `fn` in one transaction (one commit for a burst of inserts). */
  transaction<T>(fn: () => T): T {
    const outermost = !this.db.inTransaction;
    const result = this.inTransaction(fn) as T;
    if (outermost) this.committed();
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
    const text = this.statements.inputBySeq.get(seq) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as Record<string, unknown>);
  }

  /** A job's state and stored result text (one read, nothing parsed), or null if no such job. */
  resultTextById(id: string): { state: JobState; result: string | null } | null {
    return (this.statements.resultById.get(id) as { state: JobState; result: string | null } | undefined) ?? null;
  }

  /**
   * Jobs a dead process left running go back to the queue; their attempt was counted at claim.
   * A job that has used all its attempts fails instead of looping on a crash it causes.
   */
  recoverInterrupted(now: number): { requeued: number; failed: number } {
    return this.transaction(() => {
      const rows = this.statements.interrupted.all() as { seq: number; attempts: number; max_attempts: number }[];
      let requeued = 0;
      let failed = 0;
      const error: JobError = {
        code: 'interrupted',
        message: 'LM Queue stopped while this job was running',
        retryable: true,
      };
      for (const row of rows) {
        if (row.attempts >= row.max_attempts) {
          this.fail(row.seq, now, { ...error, message: `${error.message}; no attempts left` });
          failed++;
        } else {
          this.requeue(row.seq, null, error);
          requeued++;
        }
      }
      return { requeued, failed };
    });
  }

  /** Every queued job, oldest first, without payloads. */
  *queuedEntries(): Generator<QueuedEntry> {
    for (const raw of this.statements.queued.iterate()) {
      const row = raw as {
        seq: number;
        kind: string;
        model: string;
        owner: string;
        lane: string;
        priority: number;
        created_at: number;
        run_at: number | null;
        prompt_tokens: number;
        max_tokens: number | null;
      };
      yield {
        seq: row.seq,
        kind: row.kind as QueuedEntry['kind'],
        model: row.model,
        owner: row.owner,
        lane: row.lane as QueuedEntry['lane'],
        priority: row.priority,
        createdAt: row.created_at,
        runAt: row.run_at ?? 0,
        promptTokens: row.prompt_tokens,
        maxTokens: row.max_tokens,
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
    counts.succeeded = (this.statements.countAll.get() as number) - others;
    return counts;
  }

  /** Newest first; `search` matches id, owner or model. */
  history(query: HistoryQuery): { records: JobRecord[]; nextCursor: string | null } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.state) {
      where.push(query.state === 'succeeded' ? 'state = ?' : `state = ? AND ${NOT_SUCCEEDED}`);
      params.push(query.state);
    }
    if (query.owner) {
      where.push('owner = ?');
      params.push(query.owner);
    }
    if (query.model) {
      where.push('model = ?');
      params.push(query.model);
    }
    if (query.search) {
      where.push(`(id LIKE ? ESCAPE '\\' OR owner LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\')`);
      const pattern = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(pattern, pattern, pattern);
    }
    if (query.cursor !== undefined) {
      const before = Number(query.cursor);
      if (!Number.isSafeInteger(before)) throw new RangeError('cursor is not valid');
      where.push('seq < ?');
      params.push(before);
    }
    const sql = `SELECT ${RECORD_COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit + 1) as JobRow[];
    const more = rows.length > query.limit;
    const records = rows.slice(0, query.limit).map(rowToRecord);
    const last = records.at(-1);
    return { records, nextCursor: more && last ? String(last.seq) : null };
  }

  /** Retention: drops finished jobs that finished before `before`. */
  purgeFinished(before: number): number {
    return this.transaction(() => {
      for (const row of this.statements.purgeCounts.all(before) as { state: JobState; n: number }[]) {
        this.counts[row.state] -= row.n;
      }
      this.statements.purgeInputs.run(before);
      this.statements.purgeResults.run(before);
      return this.statements.purge.run(before).changes;
    });
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
   * Called after each commit. Checkpoints move to a worker thread once the store has made
   * BUSY_COMMITS commits (a store that writes little never starts the thread); the WAL file is
   * cut back to 64 MB after each restart.
   */
  private committed(): void {
    if (this.checkpointer) {
      this.checkpointer.wrote();
      if (++this.commits >= this.nextWalCheck) this.capWal();
      return;
    }
    if (++this.commits < BUSY_COMMITS || this.db.name === ':memory:') return;
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.pragma('journal_size_limit = 67108864');
    this.checkpointer = new WalCheckpointer({
      file: this.db.name,
      nativeBinding: this.nativeBinding,
      onCheckpoint: (result) => {
        // The WAL is long and writes never pause long enough for it to start over by itself:
        // restart it at the next commit, once what is left to copy back is small (the restart
        // copies it on this thread: ~90 MB left to copy stalled a commit for 0.75 s, measured).
        if (result.log >= this.restartFrames && result.log - result.checkpointed <= RESTART_MAX_GAP_FRAMES) {
          this.restartWanted = true;
          this.nextWalCheck = this.commits + 1;
        }
        this.onCheckpoint?.(result);
      },
      onFailure: (error) => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
        this.onCheckpointFailure?.(error);
      },
    });
    this.checkpointer.wrote();
  }

  /**
   * Restarts the WAL from this thread, between transactions, when it has outgrown what PASSIVE
   * checkpoints keep up with: the checkpoint thread said so, or (for a writer that never yields
   * to the event loop, so its messages are not read) the file passed `maxWalBytes`.
   */
  private capWal(): void {
    this.nextWalCheck = this.commits + WAL_CHECK_EVERY;
    if (!this.restartWanted && this.walBytes() <= this.maxWalBytes) return;
    // Never wait here: a RESTART waits (busy handler) for every reader to leave the WAL, and a
    // reader that stays (someone's `sqlite3` shell, a backup) would stall each commit for the
    // whole busy timeout. Busy (that, or the checkpoint thread mid-checkpoint): try again soon.
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    let result: CheckpointResult | undefined;
    try {
      [result] = this.db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[];
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
    this.restartWanted = Boolean(result?.busy);
    if (this.restartWanted) this.nextWalCheck = this.commits + RESTART_RETRY_COMMITS;
  }

  private walBytes(): number {
    try {
      return statSync(`${this.db.name}-wal`).size;
    } catch {
      return 0; // no WAL file: nothing to cap
    }
  }

  /** What a killed process leaves behind: the open write batch is never committed. */
  abandon(): void {
    this.batch = null;
    this.db.close();
    this.lock?.close();
    void this.checkpointer?.close();
  }

  /**
   * Closes the database at once; the promise settles when the checkpoint thread has closed its
   * connection too (the last connection to close checkpoints and removes the WAL).
   */
  close(): Promise<void> {
    if (!this.db.open) return Promise.resolve();
    this.commitPending();
    this.db.close();
    this.lock?.close();
    return this.checkpointer?.close() ?? Promise.resolve();
  }
}
