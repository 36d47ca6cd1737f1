/**
 * The Neo4j mirror, loaded by the engine with a dynamic import only when Neo4j is configured
 * (neo4j-driver costs nothing otherwise).
 */
import type Database from 'better-sqlite3';
import type { Neo4jMirrorState } from '../../../shared/mirror';
import type { EngineLogger, Neo4jSettings } from '../config';
import { MirrorBackfill } from '../store/mirror-backfill';
import { MirrorOutbox } from '../store/mirror-outbox';
import type { LiveProgress } from './graph-statements';
import { Neo4jSyncer, type Neo4jSyncerOptions } from './neo4j-syncer';

/** Progress of running jobs reaches the outbox at most this often (one transaction for all of them). */
const PROGRESS_FLUSH_MS = 1_000;

export interface Neo4jMirror {
  /** Starts syncing; the hooks reach into parts of the engine built after the store. */
  start(hooks?: { onStateChange?: () => void; liveProgress?: LiveProgress }): void;
  state(): Neo4jMirrorState;
  /** A running job progressed (tokens): one progress-only outbox row per job per second at most. */
  noteProgress(jobSeq: number): void;
  close(): Promise<void>;
}

export interface Neo4jMirrorOptions {
  settings: Neo4jSettings;
  db: Database.Database;
  logger: EngineLogger;
  /** The engine's clock: the backfill compares it with the jobs' timestamps. */
  now?: () => number;
  /** Tests shrink the batch, bound, poll and backoff. */
  tuning?: Pick<Neo4jSyncerOptions, 'batchSize' | 'backfillChunk' | 'maxOutboxRows' | 'pollMs' | 'backoff'>;
}

/** Installs the outbox triggers at once: open it before any transition that is to be mirrored. */
export function openNeo4jMirror(options: Neo4jMirrorOptions): Neo4jMirror {
  const { db } = options;
  const outbox = new MirrorOutbox(db);
  const now = options.now ?? Date.now;
  // What the outbox never saw is fixed now, before this start's first transition.
  const backfill = new MirrorBackfill(db, `${options.settings.uri} ${options.settings.database ?? ''}`.trim());
  const pass = backfill.begin(now());
  let syncer: Neo4jSyncer | null = null;
  const progressed = new Set<number>();
  let flushTimer: NodeJS.Timeout | null = null;

  const flushProgress = (): void => {
    flushTimer = null;
    if (!db.open) return;
    const write = (): void => {
      for (const seq of progressed) outbox.noteProgress(seq);
    };
    // Inside an open write batch the rows join it; else one transaction for them all.
    if (db.inTransaction) write();
    else db.transaction(write)();
    progressed.clear();
  };

  return {
    start(hooks = {}) {
      syncer ??= new Neo4jSyncer({
        settings: options.settings,
        outbox,
        backfill: { store: backfill, pass },
        now,
        storeBusy: () => db.inTransaction,
        storeOpen: () => db.open,
        logger: options.logger,
        ...hooks,
        ...options.tuning,
      });
      syncer.start();
    },
    state() {
      if (syncer) return syncer.state();
      const { uri, database } = options.settings;
      return { uri, database: database ?? null, connected: false, lag: { rows: 0, seconds: 0 }, lastError: null, lastSyncAt: null, mirroredChanges: 0, backfill: null };
    },
    noteProgress(jobSeq) {
      progressed.add(jobSeq);
      if (!flushTimer) {
        flushTimer = setTimeout(flushProgress, PROGRESS_FLUSH_MS);
        flushTimer.unref();
      }
    },
    async close() {
      if (flushTimer) clearTimeout(flushTimer);
      flushProgress();
      await syncer?.close();
    },
  };
}
