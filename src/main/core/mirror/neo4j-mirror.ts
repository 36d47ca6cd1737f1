/**
 * The Neo4j mirror, loaded by the engine with a dynamic import only when Neo4j is configured
 * (neo4j-driver costs nothing otherwise).
 */
import type Database from 'better-sqlite3';
import type { Neo4jMirrorState } from '../../../shared/mirror';
import type { EngineLogger, Neo4jSettings } from '../config';
import { MirrorOutbox } from '../store/mirror-outbox';
import type { LiveProgress } from './graph-statements';
import { Neo4jSyncer, type Neo4jSyncerOptions } from './neo4j-syncer';

export interface Neo4jMirror {
  state(): Neo4jMirrorState;
  /** A running job progressed (tokens): worth a progress-only outbox row, coalesced when Neo4j lags. */
  noteProgress(jobSeq: number): void;
  close(): Promise<void>;
}

export interface Neo4jMirrorOptions {
  settings: Neo4jSettings;
  db: Database.Database;
  logger: EngineLogger;
  liveProgress?: LiveProgress;
  onStateChange?: () => void;
  /** Tests shrink the batch, bound, poll and backoff. */
  tuning?: Pick<Neo4jSyncerOptions, 'batchSize' | 'maxOutboxRows' | 'pollMs' | 'backoff'>;
}

/** Installs the outbox triggers at once (call before any transition to be mirrored), then syncs in the background. */
export function startNeo4jMirror(options: Neo4jMirrorOptions): Neo4jMirror {
  const { db } = options;
  const outbox = new MirrorOutbox(db);
  const syncer = new Neo4jSyncer({
    settings: options.settings,
    outbox,
    storeBusy: () => db.inTransaction,
    logger: options.logger,
    liveProgress: options.liveProgress,
    onStateChange: options.onStateChange,
    ...options.tuning,
  });
  syncer.start();
  return {
    state: () => syncer.state(),
    noteProgress: (jobSeq) => outbox.noteProgress(jobSeq),
    close: () => syncer.close(),
  };
}
