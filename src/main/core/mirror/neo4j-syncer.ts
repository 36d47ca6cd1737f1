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
import type { MirrorOutbox, OutboxLag } from '../store/mirror-outbox';
import { CONSTRAINT_STATEMENTS, toGraphRow, UPSERT_JOBS, type LiveProgress } from './graph-statements';

export interface Neo4jSyncerOptions {
  settings: Neo4jSettings;
  outbox: MirrorOutbox;
  /** True while the store has a write transaction open (its rows are not committed yet). */
  storeBusy: () => boolean;
  logger: EngineLogger;
  liveProgress?: LiveProgress;
  /** Connected or last error changed, or a batch committed (at most once a second). */
  onStateChange?: () => void;
  /** Outbox rows per Neo4j transaction. */
  batchSize?: number;
  /** Past this many outbox rows, superseded rows are coalesced. */
  maxOutboxRows?: number;
  /** How often an empty outbox is looked at again. */
  pollMs?: number;
  backoff?: BackoffSettings;
}

const DEFAULTS = { batchSize: 2_000, maxOutboxRows: 100_000, pollMs: 100, backoff: { baseMs: 500, maxMs: 30_000 } };
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

  constructor(options: Neo4jSyncerOptions) {
    this.options = {
      ...options,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      maxOutboxRows: options.maxOutboxRows ?? DEFAULTS.maxOutboxRows,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      backoff: options.backoff ?? DEFAULTS.backoff,
    };
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
    };
  }

  /** Stops the loop; a batch in flight gets a short while to commit, else it is sent again next start. */
  async close(): Promise<void> {
    this.stopping.abort();
    const wait = new AbortController();
    await Promise.race([this.loop, delay(CLOSE_WAIT_MS, wait.signal)]);
    wait.abort();
    await this.driver.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        if (!this.constraintsReady) await this.createConstraints();
        const sent = await this.sendBatch();
        if (sent === 0) await delay(this.options.pollMs, signal);
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
    if (batch.jobs.length > 0) {
      const rows = batch.jobs.map((job) => toGraphRow(job, this.options.liveProgress));
      const session = this.session();
      try {
        await session.executeWrite((tx) => tx.run(UPSERT_JOBS, { rows }));
      } finally {
        await session.close();
      }
    }
    // The cursor moves only now that Neo4j has committed.
    outbox.deleteThrough(batch.throughSeq);
    this.mirroredChanges += batch.changes;
    this.lastSyncAt = Date.now();
    this.succeeded();
    return batch.changes;
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
