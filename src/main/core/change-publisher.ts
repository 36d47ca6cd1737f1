/**
 * Coalesces change notifications: however fast jobs change, listeners get at most one batch
 * per interval — a burst of 10k enqueues becomes a handful of flushes, not 10k snapshots.
 * The interval stretches when a flush is expensive (large queues), keeping the main thread free.
 */
export interface PublisherOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  flush: (changedJobs: ReadonlySet<number>, queueChanged: boolean) => void;
  onError: (error: unknown) => void;
}

export class ChangePublisher {
  private jobs = new Set<number>();
  private queue = false;
  private timer: NodeJS.Timeout | null = null;
  private interval: number;
  private closed = false;

  constructor(private readonly options: PublisherOptions) {
    this.interval = options.minIntervalMs;
  }

  jobChanged(seq: number): void {
    this.jobs.add(seq);
    this.queue = true;
    this.schedule();
  }

  queueChanged(): void {
    this.queue = true;
    this.schedule();
  }

  /** Delivers whatever is pending now (tests, shutdown). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const jobs = this.jobs;
    const queue = this.queue;
    if (jobs.size === 0 && !queue) return;
    this.jobs = new Set();
    this.queue = false;
    const started = performance.now();
    try {
      this.options.flush(jobs, queue);
    } catch (error) {
      this.options.onError(error);
    }
    const cost = performance.now() - started;
    this.interval = Math.min(this.options.maxIntervalMs, Math.max(this.options.minIntervalMs, cost * 4));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushNow();
    }, this.interval);
    this.timer.unref?.();
  }
}
