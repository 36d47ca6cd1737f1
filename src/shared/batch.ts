/**
 * OpenAI's File and Batch objects, as /v1/files and /v1/batches answer them (timestamps in Unix
 * seconds, as OpenAI's are), and the requests that create them.
 */
import { z } from 'zod';

export const OpenAiFileSchema = z.object({
  id: z.string(),
  object: z.literal('file'),
  bytes: z.number().int().nonnegative(),
  created_at: z.number().int(),
  filename: z.string(),
  purpose: z.enum(['batch', 'batch_output']),
  /** Deprecated by OpenAI, still read by older clients. */
  status: z.literal('processed'),
  status_details: z.null(),
});
export type OpenAiFile = z.infer<typeof OpenAiFileSchema>;

export const BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const FINISHED_BATCH_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

export const BatchErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** 1-based line of the input file; null for the file as a whole. */
  line: z.number().int().positive().nullable(),
  param: z.string().nullable(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

export const BatchRequestCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type BatchRequestCounts = z.infer<typeof BatchRequestCountsSchema>;

const seconds = z.number().int().nullable();

export const OpenAiBatchSchema = z.object({
  id: z.string(),
  object: z.literal('batch'),
  endpoint: z.string(),
  errors: z.object({ object: z.literal('list'), data: z.array(BatchErrorSchema) }).nullable(),
  input_file_id: z.string(),
  completion_window: z.string(),
  status: z.enum(BATCH_STATUSES),
  output_file_id: z.string().nullable(),
  error_file_id: z.string().nullable(),
  created_at: z.number().int(),
  in_progress_at: seconds,
  expires_at: seconds,
  finalizing_at: seconds,
  completed_at: seconds,
  failed_at: seconds,
  expired_at: seconds,
  cancelling_at: seconds,
  cancelled_at: seconds,
  request_counts: BatchRequestCountsSchema,
  metadata: z.record(z.string(), z.string()).nullable(),
  /** LM Queue's own: the parent job whose children are this batch's requests (null until validated). */
  lmq_job_id: z.string().nullable(),
  /** LM Queue's own: who the batch belongs to (the token's name). */
  lmq_owner: z.string(),
});
export type OpenAiBatch = z.infer<typeof OpenAiBatchSchema>;

/** OpenAI's metadata: at most 16 pairs, keys up to 64 characters, values up to 512. */
export const BatchMetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'metadata may have at most 16 keys');

export const CreateBatchSchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.string().min(1),
  completion_window: z.string().min(1),
  metadata: BatchMetadataSchema.nullable().optional(),
});
export type CreateBatchRequest = z.output<typeof CreateBatchSchema>;

export const BatchListQuerySchema = z.object({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type BatchListQuery = z.output<typeof BatchListQuerySchema>;
