/**
 * The last hour of work in 10-second buckets: tokens generated (counted as they stream, so a
 * long generation shows while it runs, not when it ends), jobs finished, and the most jobs
 * queued and running. A ring of fixed slots: memory stays the same however long it runs.
 */
import type { QueueCounts } from '../../../shared/queue';
import type { ThroughputBucket, ThroughputHistory } from '../../../shared/throughput';
import type { Engine } from '../engine-api';

export const BUCKET_MS = 10_000;
export const WINDOW_MS = 3_600_000;

interface Slot {
  /** Which bucket the slot holds: floor(time / bucketMs); -1 while unused. */
  bucket: number;
  tokens: number;
  finished: number;
  queued: number;
  running: number;
}

export interface ThroughputRecorderOptions {
  bucketMs?: number;
  windowMs?: number;
  now?: () => number;
}

export class ThroughputRecorder {
  readonly bucketMs: number;
  private readonly slots: Slot[];
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastBucket: number;
  /** The latest counts: a bucket opens with them, since they hold until the next change. */
  private queued = 0;
  private running = 0;

  constructor(options: ThroughputRecorderOptions = {}) {
    this.bucketMs = options.bucketMs ?? BUCKET_MS;
    this.now = options.now ?? Date.now;
    const size = Math.ceil((options.windowMs ?? WINDOW_MS) / this.bucketMs);
    this.slots = Array.from({ length: size }, () => ({ bucket: -1, tokens: 0, finished: 0, queued: 0, running: 0 }));
    this.startedAt = this.now();
    this.lastBucket = this.bucketOf(this.startedAt) - 1;
  }

  addTokens(count: number): void {
    if (count > 0) this.current().tokens += count;
  }

  addFinished(): void {
    this.current().finished += 1;
  }

  setCounts(queued: number, running: number): void {
    const slot = this.current();
    this.queued = queued;
    this.running = running;
    slot.queued = Math.max(slot.queued, queued);
    slot.running = Math.max(slot.running, running);
  }

  /** The recorded buckets, oldest first; with `since`, only those starting at or after it. */
  read(since = 0): ThroughputHistory {
    const now = this.now();
    const last = this.advanceTo(this.bucketOf(now));
    const first = Math.max(last - this.slots.length + 1, this.bucketOf(this.startedAt));
    const buckets: ThroughputBucket[] = [];
    for (let bucket = first; bucket <= last; bucket++) {
      const start = bucket * this.bucketMs;
      if (start < since) continue;
      const slot = this.slots[bucket % this.slots.length]!;
      buckets.push({
        start,
        spanMs: Math.min(this.bucketMs, now - start),
        tokens: slot.tokens,
        finished: slot.finished,
        queued: slot.queued,
        running: slot.running,
      });
    }
    return { bucketMs: this.bucketMs, from: Math.max(this.startedAt, now - this.slots.length * this.bucketMs), buckets };
  }

  private bucketOf(time: number): number {
    return Math.floor(time / this.bucketMs);
  }

  private current(): Slot {
    const bucket = this.advanceTo(this.bucketOf(this.now()));
    return this.slots[bucket % this.slots.length]!;
  }

  /** Opens every bucket up to `bucket` (at most one ring's worth); returns the latest one. */
  private advanceTo(bucket: number): number {
    if (bucket <= this.lastBucket) return this.lastBucket;
    for (let next = Math.max(this.lastBucket + 1, bucket - this.slots.length + 1); next <= bucket; next++) {
      const slot = this.slots[next % this.slots.length]!;
      slot.bucket = next;
      slot.tokens = 0;
      slot.finished = 0;
      slot.queued = this.queued;
      slot.running = this.running;
    }
    this.lastBucket = bucket;
    return bucket;
  }
}

/** How many ended job ids to remember, so a job's end is counted once however often it is published. */
const REMEMBERED_ENDINGS = 10_000;

/**
 * Feeds `recorder` from the engine's events: a running job's progress carries its generated
 * tokens so far, and its usage at the end settles the rest. Returns a function that stops it.
 */
export function recordEngineThroughput(engine: Pick<Engine, 'on' | 'counts'>, recorder: ThroughputRecorder): () => void {
  /** Tokens already counted per running job. */
  const counted = new Map<string, number>();
  const ended = new Set<string>();
  const onCounts = (counts: Pick<QueueCounts, 'queued' | 'running'>): void => recorder.setCounts(counts.queued, counts.running);
  onCounts(engine.counts());

  const stopJobs = engine.on('job.updated', (job) => {
    const already = counted.get(job.id) ?? 0;
    switch (job.state) {
      case 'running': {
        const tokens = job.progress.tokens ?? 0;
        if (tokens > already) {
          recorder.addTokens(tokens - already);
          counted.set(job.id, tokens);
        }
        return;
      }
      case 'queued':
        // Back in the queue (a retry): its next run generates anew.
        counted.delete(job.id);
        return;
      default: {
        if (ended.has(job.id)) return;
        ended.add(job.id);
        if (ended.size > REMEMBERED_ENDINGS) ended.delete(ended.values().next().value!);
        counted.delete(job.id);
        // A response that was not streamed reports all its tokens here.
        recorder.addTokens((job.usage?.completionTokens ?? already) - already);
        if (job.state !== 'canceled') recorder.addFinished();
      }
    }
  });
  const stopCounts = engine.on('queue.changed', (change) => onCounts(change.counts));
  return () => {
    stopJobs();
    stopCounts();
  };
}
