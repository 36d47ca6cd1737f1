import { z } from 'zod';
import { BackendStateSchema } from './backend';
import { JobSchema, LANES } from './job';

export const QueueCountsSchema = z.object({
  queued: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  canceled: z.number().int().nonnegative(),
  queuedByLane: z.record(z.enum(LANES), z.number().int().nonnegative()),
  runningByLane: z.record(z.enum(LANES), z.number().int().nonnegative()),
  /** Queued jobs per priority ("0".."9"). */
  queuedByPriority: z.record(z.string(), z.number().int().nonnegative()),
  /** Of `queued`, the children of parent jobs (the queue page leaves them out: `queued - queuedChildren` rows). */
  queuedChildren: z.number().int().nonnegative(),
});
export type QueueCounts = z.infer<typeof QueueCountsSchema>;

export const QueueSnapshotQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(0).max(1000).default(100),
});
export type QueueSnapshotQuery = z.input<typeof QueueSnapshotQuerySchema>;

/**
 * `queued` is a page of the queue in dispatch order, starting at `offset`, without parent jobs'
 * children: each unfinished parent is one entry of `parents` (its children: jobs.list with `parent`).
 */
export const QueueSnapshotSchema = z.object({
  running: z.array(JobSchema),
  queued: z.array(JobSchema),
  parents: z.array(JobSchema),
  offset: z.number().int().nonnegative(),
  counts: QueueCountsSchema,
  backend: BackendStateSchema,
  paused: z.boolean(),
  version: z.number().int().nonnegative(),
  generatedAt: z.string(),
});
export type QueueSnapshot = z.infer<typeof QueueSnapshotSchema>;

/** Pushed at most a few times a second however fast the queue changes; fetch a page to see more. */
export const QueueChangedSchema = z.object({
  version: z.number().int().nonnegative(),
  counts: QueueCountsSchema,
  paused: z.boolean(),
});
export type QueueChanged = z.infer<typeof QueueChangedSchema>;
