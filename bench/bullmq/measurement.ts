/** What one queue-overhead measurement reports (throughput-worker.ts prints one per process). */

/**
 * lm-queue: submissions in a burst (they share group commits), then one `durable()`.
 * lm-queue-each: each submission awaited until durable, as a host acknowledges one request.
 * bullmq-bulk: Queue.addBulk in chunks. bullmq-add: each Queue.add awaited in turn.
 */
export const THROUGHPUT_MODES = ['lm-queue', 'lm-queue-each', 'bullmq-bulk', 'bullmq-add'] as const;
export type ThroughputMode = (typeof THROUGHPUT_MODES)[number];

export interface ThroughputMeasurement {
  mode: ThroughputMode;
  jobs: number;
  concurrency: number;
  addSeconds: number;
  addPerSec: number;
  /** From releasing the consumers until the last job is complete. */
  processSeconds: number;
  processPerSec: number;
  peakRssMb: number;
  /** BullMQ only: Redis `used_memory` once every job is complete (Redis's RSS is not in peakRssMb). */
  redisUsedMemoryMb?: number;
  /** LM Queue only: the SQLite files (database + WAL) once every job is complete. */
  storeFileMb?: number;
}
