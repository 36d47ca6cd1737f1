import { z } from 'zod';
import { PrioritySchema } from './priority';

/**
 * `chat`, `completion`, `embedding`: OpenAI's /v1 endpoints; `responses`: OpenAI Responses;
 * `messages`: Anthropic Messages; `native-chat`: LM Studio's own /api/v1/chat; `v0-*`: the same
 * three as `chat`, `completion`, `embedding`, on LM Studio's REST v0 (its answers add stats).
 */
export const REQUEST_KINDS = ['chat', 'completion', 'embedding', 'responses', 'messages', 'native-chat', 'v0-chat', 'v0-completion', 'v0-embedding'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/**
 * A parent job owns child request jobs (a batch's lines) and holds no LM Studio slot: its state,
 * progress and ETA come from its children. `index` (a document folder) joins these.
 */
export const PARENT_KINDS = ['batch', 'index'] as const;
export type ParentKind = (typeof PARENT_KINDS)[number];
export const JOB_KINDS = [...REQUEST_KINDS, ...PARENT_KINDS] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export function isParentKind(kind: JobKind): kind is ParentKind {
  return (PARENT_KINDS as readonly string[]).includes(kind);
}

/** Embedding work has no generated tokens: sized and timed by its input alone. */
export function isEmbeddingKind(kind: JobKind): boolean {
  return kind === 'embedding' || kind === 'v0-embedding';
}

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'canceled'];

/** Lanes each have a concurrency cap so one kind of work can never take every slot. */
export const LANES = ['interactive', 'batch', 'background'] as const;
export type Lane = (typeof LANES)[number];

export const JobKindSchema = z.enum(JOB_KINDS);
/** What may be submitted as a job of its own: a parent is made by its owner (the Batch API), never submitted. */
export const RequestKindSchema = z.enum(REQUEST_KINDS);
export const JobStateSchema = z.enum(JOB_STATES);
export const LaneSchema = z.enum(LANES);

const MAX_METADATA_KEYS = 64;

export const SubmitJobSchema = z
  .object({
    kind: RequestKindSchema,
    model: z.string().trim().min(1, 'model is required').max(256),
    input: z.record(z.string(), z.unknown()),
    priority: PrioritySchema.optional(),
    lane: LaneSchema.optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    runAt: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `metadata may have at most ${MAX_METADATA_KEYS} keys`)
      .optional(),
  })
  .strict();
export type SubmitJobInput = z.input<typeof SubmitJobSchema>;
export type SubmitJobRequest = z.output<typeof SubmitJobSchema>;

export const ReprioritizeSchema = z.object({ priority: PrioritySchema }).strict();

export const ListJobsQuerySchema = z.object({
  state: JobStateSchema.optional(),
  owner: z.string().min(1).max(128).optional(),
  model: z.string().min(1).max(256).optional(),
  search: z.string().max(200).optional(),
  /** Jobs a schedule made (their metadata.schedule). */
  schedule: z.string().min(1).max(64).optional(),
  /** A parent job's children, in their order (`cursor` is then the last child index seen). Without it, children are left out. */
  parent: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListJobsQuery = z.input<typeof ListJobsQuerySchema>;

export const JobProgressSchema = z.object({
  fraction: z.number().min(0).max(1).nullable(),
  stage: z.string(),
  message: z.string().nullable(),
  /** Tokens generated so far, while a chat or completion job runs (what throughput counts). */
  tokens: z.number().int().nonnegative().optional(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const JobEtaSchema = z.object({
  /** The forecast: position order simulated with learned speeds, corrected by how late such jobs have started. */
  startsInSeconds: z.number().nonnegative(),
  finishesInSeconds: z.number().nonnegative(),
  /** The range around the start: the middle 80% of how recent jobs of this lane and priority fared. */
  startsInSecondsLow: z.number().nonnegative(),
  startsInSecondsHigh: z.number().nonnegative(),
  finishesInSecondsHigh: z.number().nonnegative(),
});
export type JobEta = z.infer<typeof JobEtaSchema>;

export const JobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

export const UsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  tokensPerSecond: z.number().nonnegative().nullable().optional(),
  timeToFirstTokenMs: z.number().nonnegative().nullable().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** A parent job's children by state; `total` is every child added so far. */
export const ChildCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  canceled: z.number().int().nonnegative(),
});
export type ChildCounts = z.infer<typeof ChildCountsSchema>;

/** A job as every API shows it. Timestamps are ISO strings. */
export const JobSchema = z.object({
  id: z.string(),
  kind: JobKindSchema,
  model: z.string(),
  owner: z.string(),
  priority: z.number().int(),
  lane: LaneSchema,
  state: JobStateSchema,
  position: z.number().int().positive().nullable(),
  eta: JobEtaSchema.nullable(),
  progress: JobProgressSchema,
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().positive(),
  createdAt: z.string(),
  runAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: JobErrorSchema.nullable(),
  usage: UsageSchema.nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  /** A child job's parent, and its 0-based place among the parent's children. */
  parentId: z.string().nullable(),
  childIndex: z.number().int().nonnegative().nullable(),
  /** A parent job's children by state (null for any other job). */
  children: ChildCountsSchema.nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const JobPageSchema = z.object({ jobs: z.array(JobSchema), nextCursor: z.string().nullable() });
export type JobPage = z.infer<typeof JobPageSchema>;
