/**
 * The one owner of queue state. The store (durable truth) and the queue index (what the policy
 * reads) must agree on which jobs are queued and how; every transition that touches both goes
 * through here, so no caller keeps them in step by hand.
 */
import type { JobError, Usage } from '../../../shared/job';
import { toQueuedEntry, type JobRecord, type NewJob, type QueuedEntry } from '../store/job-record';
import type { ClaimedJob, JobStore } from '../store/job-store';
import type { QueueIndex } from './queue-index';

export class JobQueue {
  constructor(
    readonly store: JobStore,
    readonly index: QueueIndex,
  ) {}

  /** At start: the queued jobs on disk enter the index. */
  restore(now: number): void {
    for (const entry of this.store.queuedEntries()) this.index.add(entry, now);
  }

  enqueue(job: NewJob): JobRecord {
    const record = this.store.insert(job);
    this.index.add(toQueuedEntry(record), job.createdAt);
    return record;
  }

  /** Leaves the queue for a run; the claim is recorded before anything is sent. */
  claim(entry: QueuedEntry, now: number, claimedBy: string): ClaimedJob | null {
    this.index.remove(entry.seq);
    return this.store.claim(entry.seq, now, claimedBy);
  }

  /** Cancels a queued or running job in the store; a queued one leaves the index too. */
  cancel(record: JobRecord, now: number, reason: string): void {
    if (record.state === 'queued') this.index.remove(record.seq);
    this.store.cancel(record.seq, now, reason, record.state === 'queued' ? 'queued' : 'running');
  }

  reprioritize(seq: number, priority: number, now: number): void {
    const entry = this.index.remove(seq);
    this.store.reprioritize(seq, priority);
    if (entry) this.index.add({ ...entry, priority }, now);
  }

  /** A failed run goes back to the queue, due at `runAt`. */
  retryLater(entry: QueuedEntry, runAt: number, error: JobError, refundAttempt: boolean, now: number): void {
    if (this.store.requeue(entry.seq, runAt, error, refundAttempt)) this.index.add({ ...entry, runAt }, now);
  }

  /** A run cut short by our own shutdown: queued on disk again, for the next start to pick up. */
  requeueAfterShutdown(seq: number): void {
    this.store.requeue(seq, null, { code: 'interrupted', message: 'LM Queue shut down' }, true);
  }

  succeed(seq: number, now: number, result: unknown, usage: Usage): void {
    this.store.succeed(seq, now, result, usage);
  }

  failRunning(seq: number, now: number, error: JobError): void {
    this.store.fail(seq, now, error);
  }

  /** Fails every queued job of `model` (LM Studio cannot load it); returns them. */
  failQueuedForModel(model: string, now: number, error: JobError): QueuedEntry[] {
    const doomed = [...this.index.allNodes()].filter((n) => n.model === model);
    this.store.transaction(() => {
      for (const entry of doomed) {
        this.index.remove(entry.seq);
        this.store.fail(entry.seq, now, error, 'queued');
      }
    });
    return doomed;
  }
}
