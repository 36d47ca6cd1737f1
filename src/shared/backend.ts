import { z } from 'zod';
import { Neo4jMirrorStateSchema } from './mirror';

export const BACKEND_STATUSES = ['unknown', 'up', 'down'] as const;

export const ModelInfoSchema = z.object({
  id: z.string(),
  type: z.string().nullable(),
  loaded: z.boolean(),
  /** Parallel slots of its loaded instances together, when LM Studio reports them. */
  parallel: z.number().int().positive().nullable(),
  /** Size on disk (≈ memory when loaded), when LM Studio reports it. */
  sizeBytes: z.number().nonnegative().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

/** One loaded instance in LM Studio's memory. */
export const ResidentInstanceSchema = z.object({
  model: z.string(),
  instanceId: z.string(),
  /** Its own parallel slots (LM Studio's "Max Concurrent Predictions"), when reported. */
  parallel: z.number().int().positive().nullable(),
  contextLength: z.number().int().positive().nullable(),
  sizeBytes: z.number().nonnegative().nullable(),
});
export type ResidentInstance = z.infer<typeof ResidentInstanceSchema>;

/** The memory LM Queue lets loaded models use, as the scheduler sees it. */
export const ModelMemorySchema = z.object({
  budgetBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  /** Never unloaded to make room. */
  pinned: z.array(z.string()),
  /** A model room is being made for (others finish their requests, then unload), if any. */
  makingRoomFor: z.string().nullable(),
});
export type ModelMemory = z.infer<typeof ModelMemorySchema>;

export const STORAGE_STATUSES = ['ok', 'full', 'read_only', 'failed'] as const;
export type StorageStatus = (typeof STORAGE_STATUSES)[number];

/** Whether LM Queue's own data directory takes writes; while it does not, no new work is taken. */
export const StorageStateSchema = z.object({
  status: z.enum(STORAGE_STATUSES),
  /** The database file. */
  path: z.string(),
  /** What failed, naming the path (null while ok). */
  message: z.string().nullable(),
  /** When status last changed (ISO). */
  since: z.string(),
  /** Finished jobs whose outcome is held in memory until it can be written. */
  unsavedResults: z.number().int().nonnegative(),
});
export type StorageState = z.infer<typeof StorageStateSchema>;

/** What we know about LM Studio right now. */
export const BackendStateSchema = z.object({
  url: z.string(),
  status: z.enum(BACKEND_STATUSES),
  /** The first resident LLM (else the first resident model): for displays that show one. */
  loadedModel: z.string().nullable(),
  /** Every loaded instance: the resident set the scheduler dispatches to. */
  resident: z.array(ResidentInstanceSchema),
  /**
   * Whether LM Queue can load a model beside the others (LM Studio's REST load endpoint). Without
   * it, a model loads just in time and LM Studio's auto-evict may drop another.
   */
  canLoadAlongside: z.boolean(),
  /** Slots we dispatch into: the configured limit, else what the resident instances report, else the default. */
  slots: z.number().int().positive(),
  models: z.array(ModelInfoSchema),
  lastError: z.string().nullable(),
  /** When status last changed (ISO). */
  since: z.string(),
  /** When the next reconnect attempt happens while down (ISO), else null. */
  retryAt: z.string().nullable(),
  /** LM Studio answers but refuses us (401/403): it requires an API token, none was given or it is wrong. */
  tokenRequired: z.boolean().optional(),
  /** Filled in by the engine (the LM Studio client knows no budget). */
  memory: ModelMemorySchema.nullable().optional(),
  /** Filled in by the engine: the Neo4j mirror of job records, null when not configured. */
  neo4j: Neo4jMirrorStateSchema.nullable().optional(),
  /** Filled in by the engine: whether its data directory takes writes. */
  storage: StorageStateSchema.optional(),
});
export type BackendState = z.infer<typeof BackendStateSchema>;
