import { Cron } from 'croner';
import { z } from 'zod';
import { IndexNameSchema } from './indexes';
import { LaneSchema, REQUEST_KINDS, SubmitJobSchema } from './job';

export const OVERLAP_POLICIES = ['skip', 'queue'] as const;
export const CATCH_UP_POLICIES = ['none', 'once'] as const;

export const ScheduleNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'name may contain letters, digits and . _ @ - only');

/** Why `expression` is not a 5- or 6-field cron expression croner accepts; null when it is. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  // croner also takes a 7th (year) field; we promise 5 or 6 (seconds first).
  if (fields !== 5 && fields !== 6) return `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}`;
  try {
    const cron = new Cron(expression, { paused: true });
    return cron.nextRun() === null ? 'this expression never fires (no such date)' : null;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CronSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((expression, ctx) => {
    const problem = cronProblem(expression);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

const TimeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin, UTC)');

/** What each run submits: an ordinary job request, minus what belongs to one job only. */
const RequestJobTemplateSchema = SubmitJobSchema.pick({ kind: true, model: true, input: true, priority: true, lane: true, metadata: true }).strict();

/** Parent jobs a schedule can make, each through the layer that owns its kind. */
export const SCHEDULED_PARENT_KINDS = ['batch', 'index'] as const;
export type ScheduledParentKind = (typeof SCHEDULED_PARENT_KINDS)[number];
export const SCHEDULE_JOB_KINDS = [...REQUEST_KINDS, ...SCHEDULED_PARENT_KINDS] as const;
export type ScheduleJobKind = (typeof SCHEDULE_JOB_KINDS)[number];

/** Each run sends the same uploaded file through the Batch API (lane batch; the models are in its lines). */
const BatchJobTemplateSchema = z
  .object({
    kind: z.literal('batch'),
    input: z
      .object({
        input_file_id: z.string().min(1).max(200),
        endpoint: z.string().min(1).max(100),
        completion_window: z.literal('24h').default('24h'),
      })
      .strict(),
    priority: SubmitJobSchema.shape.priority,
    metadata: SubmitJobSchema.shape.metadata,
  })
  .strict();

/** Each run reads an index's folder again with its settings (a nightly re-index). */
const IndexJobTemplateSchema = z
  .object({
    kind: z.literal('index'),
    input: z.object({ name: IndexNameSchema }).strict(),
    priority: SubmitJobSchema.shape.priority,
    metadata: SubmitJobSchema.shape.metadata,
  })
  .strict();

export const ScheduleJobSchema = z.discriminatedUnion('kind', [RequestJobTemplateSchema, BatchJobTemplateSchema, IndexJobTemplateSchema]);
export type ScheduleJobRequest = z.output<typeof ScheduleJobSchema>;

export const CreateScheduleSchema = z
  .object({
    name: ScheduleNameSchema,
    cron: CronSchema,
    /** Default: the host's time zone at creation (stored, so moving the host changes nothing). */
    timezone: TimeZoneSchema.optional(),
    enabled: z.boolean().default(true),
    /** `skip`: no new run while the previous run's job is queued or running. */
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    /** `once`: at start, one run if any were missed while LM Queue was stopped. */
    catchUp: z.enum(CATCH_UP_POLICIES).default('none'),
    job: ScheduleJobSchema,
  })
  .strict();
export type CreateScheduleInput = z.input<typeof CreateScheduleSchema>;
export type CreateScheduleRequest = z.output<typeof CreateScheduleSchema>;

export const UpdateScheduleSchema = z
  .object({
    name: ScheduleNameSchema,
    cron: CronSchema.optional(),
    timezone: TimeZoneSchema.optional(),
    enabled: z.boolean().optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    catchUp: z.enum(CATCH_UP_POLICIES).optional(),
    /** Replaces the whole job template. */
    job: ScheduleJobSchema.optional(),
  })
  .strict();
export type UpdateScheduleRequest = z.output<typeof UpdateScheduleSchema>;

export const ScheduleSchema = z.object({
  name: z.string(),
  owner: z.string(),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  overlap: z.enum(OVERLAP_POLICIES),
  catchUp: z.enum(CATCH_UP_POLICIES),
  job: z.object({
    kind: z.enum(SCHEDULE_JOB_KINDS),
    /** Empty for a batch (its lines name their models). */
    model: z.string(),
    input: z.record(z.string(), z.unknown()),
    priority: z.number().int(),
    lane: LaneSchema,
    metadata: z.record(z.string(), z.unknown()).nullable(),
  }),
  /** The next 5 run times, ISO with the zone's offset; empty while disabled. */
  nextRuns: z.array(z.string()),
  /** When the last job was made (a scheduled run or run now). */
  lastRunAt: z.string().nullable(),
  lastJobId: z.string().nullable(),
  /** Why the last run made no job (owner revoked, queue full, unknown model), until one succeeds. */
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  runs: z.object({
    /** Scheduled runs that made a job. */
    fired: z.number().int(),
    /** Scheduled runs skipped because the previous run's job was still queued or running. */
    skipped: z.number().int(),
    /** Starts that found runs missed while LM Queue was stopped and did not catch up (one per gap). */
    missed: z.number().int(),
    /** Runs that could not make a job (see lastError). */
    failed: z.number().int(),
    /** Jobs made by run now. */
    manual: z.number().int(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;
