/** The LM Studio tab's last hour, as the server records it in fixed buckets. */
import { z } from 'zod';

export const ThroughputBucketSchema = z.object({
  /** Start of the bucket, ms since the epoch. */
  start: z.number().int().nonnegative(),
  /** How much of the bucket has passed: the bucket length, except for the current one. */
  spanMs: z.number().int().nonnegative(),
  /** Tokens generated in it, counted as they stream. */
  tokens: z.number().int().nonnegative(),
  /** Jobs that succeeded or failed in it. */
  finished: z.number().int().nonnegative(),
  /** Most jobs queued at once in it. */
  queued: z.number().int().nonnegative(),
  /** Most jobs running at once in it. */
  running: z.number().int().nonnegative(),
});
export type ThroughputBucket = z.infer<typeof ThroughputBucketSchema>;

export const ThroughputHistorySchema = z.object({
  bucketMs: z.number().int().positive(),
  /** Where the record begins: the later of one window ago and when the server started. */
  from: z.number().int().nonnegative(),
  /** Oldest first, one per bucket, the current (partial) one last. */
  buckets: z.array(ThroughputBucketSchema),
});
export type ThroughputHistory = z.infer<typeof ThroughputHistorySchema>;

export const ThroughputQuerySchema = z.object({
  /** Only buckets starting at or after this time (ms since the epoch): what a live view appends. */
  since: z.coerce.number().int().nonnegative().optional(),
});
export type ThroughputQuery = z.input<typeof ThroughputQuerySchema>;

/** Generated tokens per second in a bucket. */
export function tokensPerSecond(bucket: Pick<ThroughputBucket, 'tokens' | 'spanMs'>): number {
  return bucket.spanMs > 0 ? (bucket.tokens * 1000) / bucket.spanMs : 0;
}
