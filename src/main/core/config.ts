import type { Lane } from '../../shared/job';
import type { Backend } from './backend';
import type { Clock } from './clock';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Where the job records are mirrored (see core/mirror); the password is never logged. */
export interface Neo4jSettings {
  uri: string;
  user: string;
  password: string;
  /** Neo4j's default database when unset. */
  database?: string | null;
}

/**
 * How hard a commit is pushed to disk. normal (SQLite synchronous=NORMAL in WAL mode): a killed
 * process loses nothing, but a power loss or a disk that fails may lose the last commits. full
 * (synchronous=FULL): an fsync per commit, so an acknowledged job survives those too.
 */
export type Durability = 'normal' | 'full';

export interface EngineConfig {
  /** Folder for lmqueue.db; null keeps everything in memory (tests). */
  dataDir: string | null;
  /** LM Studio base URL and API token (the engine creates the client), or a ready Backend (tests, simulators). */
  backend: { url: string; apiToken?: string | null } | Backend;
  /** Global concurrency; null/undefined: what LM Studio reports, else 4. */
  maxConcurrency?: number | null;
  /** Per-lane caps; defaults derive from the slot count (see scheduler/limits.ts). */
  laneCaps?: Partial<Record<Lane, number>>;
  /** A queued job gains one priority level per this many seconds waited (no starvation). */
  agingSeconds?: number;
  /** Work for a model that is not resident waits at most this long before room is made for it. */
  switchBoundSeconds?: number;
  /**
   * Memory LM Studio may use for loaded models, in bytes. null/undefined: the larger of what is
   * loaded at start and the largest model alone (see lmstudio/memory-budget.ts).
   */
  modelMemoryBytes?: number | null;
  /** Models never unloaded to make room (e.g. the embedding model of a RAG set-up). */
  pinnedModels?: readonly string[];
  /** Most queued jobs in total; past it submissions get 503 queue_full. */
  maxQueued?: number;
  /** Default per-owner caps (a token's own limits override maxQueuedPerOwner). */
  maxQueuedPerOwner?: number | null;
  maxRunningPerOwner?: number | null;
  defaultMaxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Start with dispatch paused (resume with setPaused(false)). */
  startPaused?: boolean;
  /** Finished jobs are kept this long, then purged. */
  retentionDays?: number;
  /** LM Studio client timeouts. */
  timeouts?: { firstTokenMs?: number; idleMs?: number; totalMs?: number };
  /** Default normal. */
  durability?: Durability;
  /** better-sqlite3 addon built for the host's ABI (Electron's), when not Node's own. */
  sqliteNativeBinding?: string | null;
  /** Folders indexing may read (real paths; see indexing/index-roots.ts); empty/undefined: indexing is off. */
  indexRoots?: readonly string[];
  /** Index jobs that run at once; the rest wait in order (default 2). */
  maxIndexJobs?: number;
  /** Files over this are skipped by indexing (default 50 MB). */
  maxIndexFileBytes?: number;
  /** Mirror every job's record into Neo4j; null/undefined: nothing of Neo4j starts (not even its import). */
  neo4j?: Neo4jSettings | null;
  clock?: Clock;
  logger?: EngineLogger;
}
