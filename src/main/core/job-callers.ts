/**
 * Who waits on each job: stream sinks, finish listeners, and callers attached over a connection
 * (a synchronous or streaming request, which lives only as long as its caller can be answered).
 * Kept in memory by job seq; a job's callers are told once when it ends, and forgotten with it.
 */
import { LmqError } from '../../shared/errors';
import { FINISHED_STATES, type Job } from '../../shared/job';
import type { Clock } from './clock';
import type { FinishListener, JobSink, SubmitOptions } from './engine-api';
import type { IdempotencyStore } from './store/idempotency-store';
import type { JobRecord } from './store/job-record';
import type { JobStore } from './store/job-store';

export interface JobCallersDeps {
  store: JobStore;
  idempotencyKeys: IdempotencyStore;
  clock: Clock;
  view: (record: JobRecord) => Job;
  viewFresh: (record: JobRecord) => Job;
}

export class JobCallers {
  private readonly sinks = new Map<number, Set<JobSink>>();
  private readonly waiters = new Map<number, FinishListener[]>();
  /** Jobs whose caller waits over a connection (see SubmitOptions.onShutdown). */
  private readonly attached = new Map<number, () => void>();

  constructor(private readonly deps: JobCallersDeps) {}

  sinksOf(seq: number): Iterable<JobSink> {
    return this.sinks.get(seq) ?? [];
  }

  isAwaited(seq: number): boolean {
    return this.waiters.has(seq);
  }

  /** A new job's callers, attached before it can start. */
  attach(seq: number, options: Pick<SubmitOptions, 'sink' | 'onFinish' | 'onShutdown'>): void {
    if (options.sink) this.sinks.set(seq, new Set([options.sink]));
    if (options.onFinish) this.waiters.set(seq, [options.onFinish]);
    if (options.onShutdown) this.attached.set(seq, options.onShutdown);
  }

  /** Resolves with the job once it has ended. */
  waitFor(record: JobRecord): Promise<Job> {
    if (FINISHED_STATES.includes(record.state)) return Promise.resolve(this.deps.view(record));
    return new Promise<Job>((resolve) => {
      const list = this.waiters.get(record.seq) ?? [];
      list.push(resolve);
      this.waiters.set(record.seq, list);
    });
  }

  /** A repeat of an Idempotency-Key: the first job, its caller attached as if it had made it; null when the key is new. */
  replayIdempotent(options: SubmitOptions, key: string, hash: string): Job | null {
    const { idempotencyKeys, store, clock } = this.deps;
    const seen = idempotencyKeys.lookup(options.owner, key, clock.now());
    const record = seen && store.getById(seen.jobId);
    if (!seen || !record) return null;
    const details = { jobId: record.id };
    if (seen.requestHash !== hash) {
      throw new LmqError('idempotency_key_reused', `Idempotency-Key "${key}" was used within the last 24 hours for a different request (job ${record.id}); use a new key for a new request`, { details });
    }
    const finished = FINISHED_STATES.includes(record.state);
    if (options.sink) {
      throw new LmqError('idempotency_key_in_use', `Idempotency-Key "${key}" belongs to job ${record.id}, a stream, which cannot be joined or replayed; read it with GET /api/jobs/${record.id}${finished ? '/result' : ''}`, { details });
    }
    const { onFinish, onShutdown } = options;
    if (onFinish && finished) queueMicrotask(() => this.settleOne(record.seq, onFinish));
    else if (onFinish) this.waiters.set(record.seq, [...(this.waiters.get(record.seq) ?? []), onFinish]);
    const first = this.attached.get(record.seq);
    if (onShutdown && !finished) this.attached.set(record.seq, first ? () => (first(), onShutdown()) : onShutdown);
    return this.deps.viewFresh(record);
  }

  /** The job ended: each of its listeners is told once, with its result if it succeeded. */
  settle(seq: number): void {
    const found = this.deps.store.getBySeqWithResult(seq);
    if (!found || !FINISHED_STATES.includes(found.record.state)) return;
    const list = this.waiters.get(seq) ?? [];
    this.forget(seq);
    const job = this.deps.view(found.record);
    const resultJson = found.record.state === 'succeeded' ? (found.resultJson ?? 'null') : null;
    for (const listener of list) listener(job, resultJson);
  }

  /** Jobs whose insert was rolled back: their submitters were refused, nobody waits for them. */
  forgetMissing(): void {
    for (const seq of [...this.waiters.keys(), ...this.sinks.keys()]) {
      if (!this.deps.store.getBySeq(seq)) this.forget(seq);
    }
  }

  /**
   * At shutdown: a queued job whose caller waits on a connection is sent away (`cancel`: the
   * engine cancels it), and its caller told to send it again.
   */
  sendAwayAttached(cancel: (record: JobRecord) => void): void {
    for (const [seq, onShutdown] of [...this.attached]) {
      const record = this.deps.store.getBySeq(seq);
      if (record?.state !== 'queued') continue;
      this.forget(seq);
      cancel(record);
      onShutdown();
    }
  }

  private settleOne(seq: number, listener: FinishListener): void {
    const found = this.deps.store.getBySeqWithResult(seq);
    if (found) listener(this.deps.view(found.record), found.record.state === 'succeeded' ? (found.resultJson ?? 'null') : null);
  }

  private forget(seq: number): void {
    this.waiters.delete(seq);
    this.sinks.delete(seq);
    this.attached.delete(seq);
  }
}
