/**
 * Drains the outbox into Neo4j, oldest change first, one `executeWrite` transaction per batch.
 * The outbox rows of a batch are deleted only after Neo4j has committed it, so a batch whose
 * COMMIT answer was lost is sent again (harmless: the statement is idempotent). Nothing in the
 * queue waits on this loop: while Neo4j is down, slow or refusing the password, changes pile up
 * in the outbox (bounded, see MirrorOutbox.coalesceIfOver) and the loop retries with backoff.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Driver } from 'neo4j-driver';
import neo4j from 'neo4j-driver';
import { backoffDelayMs, type BackoffSettings } from '../../../shared/backoff';
import type { Neo4jMirrorState } from '../../../shared/mirror';
import type { EngineLogger, Neo4jSettings } from '../config';
import type { BackfillPass, MirrorBackfill } from '../store/mirror-backfill';
import type { MirrorOutbox, OutboxJob, OutboxLag } from '../store/mirror-outbox';
import { CONSTRAINT_STATEMENTS, toGraphRow, UPSERT_JOBS, type LiveProgress } from './graph-statements';

export interface Neo4jSyncerOptions {
  settings: Neo4jSettings;
  outbox: MirrorOutbox;
  /** Jobs the outbox never saw, and the pass this start owes (MirrorBackfill.begin). */
  backfill?: { store: MirrorBackfill; pass: BackfillPass };
  /** The engine's clock (job timestamps are on it). */
  now?: () => number;
  /** True while the store has a write transaction open (its rows are not committed yet). */
  storeBusy: () => boolean;
  /** False once the store is closed (nothing more may be written to it). */
  storeOpen: () => boolean;
  logger: EngineLogger;
  liveProgress?: LiveProgress;
  /** Connected or last error changed, or a batch committed (at most once a second). */
  onStateChange?: () => void;
  /** Outbox rows per Neo4j transaction. */
  batchSize?: number;
  /** Jobs of the history per backfill chunk (one Neo4j transaction). */
  backfillChunk?: number;
  /** Past this many outbox rows, superseded rows are coalesced. */
  maxOutboxRows?: number;
  /** How often an empty outbox is looked at again. */
  pollMs?: number;
  backoff?: BackoffSettings;
}

/**
 * A backfill chunk is read, mapped and encoded by the driver in one go (~25 ms for 500 jobs here);
 * smaller than an outbox batch, since a backfill of a long history is hundreds of them in a row.
 */
const DEFAULTS = { batchSize: 2_000, backfillChunk: 500, maxOutboxRows: 100_000, pollMs: 100, backoff: { baseMs: 500, maxMs: 30_000 } };
/** How often the backfill's record says the mirror is still running (well inside SEEN_MARGIN_MS). */
const SEEN_INTERVAL_MS = 30_000;
/** close() waits this long for a batch in flight before dropping the connection (it is replayed next start). */
const CLOSE_WAIT_MS = 2_000;
const STATE_PUSH_INTERVAL_MS = 1_000;

/** Neo4j's errors carry a code (e.g. Neo.ClientError.Security.Unauthorized): say it first. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? `${code}: ${error.message}` : error.message;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class Neo4jSyncer {
  private readonly driver: Driver;
  private readonly options: Neo4jSyncerOptions & typeof DEFAULTS;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private constraintsReady = false;
  private failures = 0;
  private connected = false;
  private lastError: string | null = null;
  private lastSyncAt: number | null = null;
  private lastPushAt = 0;
  private mirroredChanges = 0;
  /** The last lag read while the store was open (state() after close reports it). */
  private lag: OutboxLag = { rows: 0, oldestAt: null };
  private backfillPass: BackfillPass | null;
  private lastSeenAt: number;

  constructor(options: Neo4jSyncerOptions) {
    this.options = {
      ...options,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      backfillChunk: options.backfillChunk ?? DEFAULTS.backfillChunk,
      maxOutboxRows: options.maxOutboxRows ?? DEFAULTS.maxOutboxRows,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      backoff: options.backoff ?? DEFAULTS.backoff,
    };
    this.backfillPass = options.backfill?.pass ?? null;
    this.lastSeenAt = this.now();
    const { uri, user, password } = options.settings;
    this.driver = neo4j.driver(uri, neo4j.auth.basic(user, password), {
      // Our loop retries with its own backoff; the driver's retries would hold a batch for 30 s.
      maxTransactionRetryTime: 0,
      connectionTimeout: 5_000,
      connectionAcquisitionTimeout: 10_000,
      maxConnectionPoolSize: 2,
    });
  }

  start(): void {
    this.loop ??= this.run();
  }

  state(): Neo4jMirrorState {
    // One indexed count: the outbox is empty while Neo4j keeps up, and bounded while it does not.
    if (!this.stopping.signal.aborted) this.lag = this.options.outbox.lag();
    const { rows, oldestAt } = this.lag;
    return {
      uri: this.options.settings.uri,
      database: this.options.settings.database ?? null,
      connected: this.connected,
      lag: { rows, seconds: oldestAt === null ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000) },
      lastError: this.lastError,
      lastSyncAt: this.lastSyncAt === null ? null : new Date(this.lastSyncAt).toISOString(),
      mirroredChanges: this.mirroredChanges,
      backfill: this.backfillState(),
    };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private backfillState(): Neo4jMirrorState['backfill'] {
    const pass = this.backfillPass;
    if (!pass) return null;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      state: pass.finishedAt === null ? 'running' : 'done',
      scope: pass.since === null ? 'all' : 'changed',
      jobs: pass.jobs,
      fraction: pass.finishedAt !== null || pass.uptoSeq === 0 ? 1 : Math.min(1, pass.throughSeq / pass.uptoSeq),
      startedAt: iso(pass.startedAt)!,
      finishedAt: iso(pass.finishedAt),
    };
  }

  /** Stops the loop; a batch in flight gets a short while to commit, else it is sent again next start. */
  async close(): Promise<void> {
    this.stopping.abort();
    const wait = new AbortController();
    await Promise.race([this.loop, delay(CLOSE_WAIT_MS, wait.signal)]);
    wait.abort();
    this.noteSeen(true);
    await this.driver.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        this.noteSeen(false);
        if (!this.constraintsReady) await this.createConstraints();
        const sent = await this.sendBatch();
        // Live changes first; then one chunk of the backfill, so neither waits long for the other.
        const backfilled = await this.sendBackfillChunk();
        if (sent === 0 && !backfilled) await delay(this.options.pollMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.failed(error);
        await delay(backoffDelayMs(this.failures, this.options.backoff), signal);
      }
    }
  }

  private session() {
    return this.driver.session({ database: this.options.settings.database ?? undefined, defaultAccessMode: neo4j.session.WRITE });
  }

  private async createConstraints(): Promise<void> {
    const session = this.session();
    try {
      // Schema changes cannot share a transaction with each other's data writes: one each.
      for (const statement of CONSTRAINT_STATEMENTS) await session.executeWrite((tx) => tx.run(statement));
    } finally {
      await session.close();
    }
    this.constraintsReady = true;
    this.succeeded();
  }

  /** Sends the oldest outbox rows; returns how many changes it committed (0: none waiting). */
  private async sendBatch(): Promise<number> {
    // Rows of an open write batch are visible to this connection before they commit.
    while (this.options.storeBusy()) await nextTurn();
    const { outbox, batchSize } = this.options;
    const batch = outbox.read(batchSize);
    if (batch.changes === 0) return 0;
    if (batch.changes === batchSize) outbox.coalesceIfOver(this.options.maxOutboxRows);
    await this.upsert(batch.jobs);
    // The cursor moves only now that Neo4j has committed.
    outbox.deleteThrough(batch.throughSeq);
    this.mirroredChanges += batch.changes;
    this.lastSyncAt = Date.now();
    this.succeeded();
    return batch.changes;
  }

  /**
   * One chunk of the job history (a bounded range of seq), sent as the outbox's batches are;
   * the pass moves on only once Neo4j has committed it. False when no backfill is owed.
   */
  private async sendBackfillChunk(): Promise<boolean> {
    const pass = this.backfillPass;
    const backfill = this.options.backfill?.store;
    if (!pass || !backfill || pass.finishedAt !== null) return false;
    while (this.options.storeBusy()) await nextTurn();
    const chunk = backfill.next(pass, this.options.backfillChunk);
    await this.upsert(chunk.jobs);
    if (!this.options.storeOpen()) return true;
    this.backfillPass = backfill.advance(pass, chunk.throughSeq, chunk.jobs.length, this.now());
    this.lastSeenAt = this.now();
    if (this.backfillPass.finishedAt !== null) {
      this.options.logger.info({ jobs: this.backfillPass.jobs }, 'Neo4j backfill done');
      this.push(true);
    } else {
      this.push(false);
    }
    return true;
  }

  private async upsert(jobs: OutboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const rows = jobs.map((job) => toGraphRow(job, this.options.liveProgress));
    const session = this.session();
    try {
      await session.executeWrite((tx) => tx.run(UPSERT_JOBS, { rows }));
    } finally {
      await session.close();
    }
  }

  /** Says in the backfill's record that the mirror still runs; `force` at close. */
  private noteSeen(force: boolean): void {
    const pass = this.backfillPass;
    const backfill = this.options.backfill?.store;
    const now = this.now();
    if (!pass || !backfill || !this.options.storeOpen()) return;
    if (!force && now - this.lastSeenAt < SEEN_INTERVAL_MS) return;
    this.lastSeenAt = now;
    this.backfillPass = backfill.seen(pass, now);
  }

  private succeeded(): void {
    this.failures = 0;
    const changed = !this.connected || this.lastError !== null;
    this.connected = true;
    this.lastError = null;
    if (changed) this.options.logger.info({ uri: this.options.settings.uri }, 'Neo4j mirror connected');
    this.push(changed);
  }

  private failed(error: unknown): void {
    this.failures++;
    const message = describe(error);
    const changed = this.connected || this.lastError !== message;
    this.connected = false;
    this.lastError = message;
    if (changed) this.options.logger.warn({ err: message }, 'Neo4j mirror cannot write; changes wait in the outbox');
    // While Neo4j is away the outbox only grows: keep it bounded.
    if (!this.stopping.signal.aborted) this.options.outbox.coalesceIfOver(this.options.maxOutboxRows);
    this.push(changed);
  }

  private push(changed: boolean): void {
    const now = Date.now();
    if (!changed && now - this.lastPushAt < STATE_PUSH_INTERVAL_MS) return;
    this.lastPushAt = now;
    this.options.onStateChange?.();
  }
}
