/**
 * The one owner of queue state. The store (durable truth), the queue index (what the policy
 * reads) and the parents' child counts must agree on which jobs are queued and how; every
 * transition that touches them goes through here, so no caller keeps them in step by hand.
 */
import type { JobError, Usage } from '../../../shared/job';
import { ParentLedger } from '../jobs/parent-ledger';
import { toQueuedEntry, type JobRecord, type NewJob, type QueuedEntry } from '../store/job-record';
import type { ClaimedJob, JobStore } from '../store/job-store';
import type { QueueIndex } from './queue-index';

export class JobQueue {
  constructor(
    readonly store: JobStore,
    readonly index: QueueIndex,
    readonly parents: ParentLedger = new ParentLedger(),
  ) {}

  /** At start: the queued jobs on disk enter the index. */
  /**
   * After a commit failed and SQLite rolled it back: the index holds what the disk says is
   * queued again (jobs inserted or requeued in the lost commit leave it, claims that never
   * happened return), and the counts are recounted. `running`: jobs this process still runs.
   */
  reconcileWithStore(now: number, running: (seq: number) => boolean): void {
    for (const node of [...this.index.allNodes()]) {
      if (this.store.getBySeq(node.seq)?.state !== 'queued') this.index.remove(node.seq);
    }
    for (const entry of this.store.queuedEntries()) {
      if (!this.index.get(entry.seq) && !running(entry.seq)) this.index.add(entry, now);
    }
    this.store.recount();
    this.parents.reconcile?.();
  }

  restore(now: number): void {
    for (const entry of this.store.queuedEntries()) this.index.add(entry, now);
  }

  enqueue(job: NewJob): JobRecord {
    const record = this.store.insert(job);
    this.index.add(toQueuedEntry(record), job.createdAt);
    return record;
  }

  /** A parent's child at `childIndex`; null if it was added before (see JobStore.insertChild). */
  enqueueChild(job: NewJob, parentId: string, childIndex: number): JobRecord | null {
    const record = this.store.insertChild(job, parentId, childIndex);
    if (!record) return null;
    this.index.add(toQueuedEntry(record), job.createdAt);
    this.parents.added(parentId, record.seq);
    return record;
  }

  /**
   * Leaves the queue for a run; the claim is recorded before anything is sent. A child of a
   * parent being canceled only leaves the index: the parent's sweep cancels it in the store.
   */
  claim(entry: QueuedEntry, now: number, claimedBy: string): ClaimedJob | null {
    this.index.remove(entry.seq);
    if (entry.parentId && this.parents.isEnding(entry.parentId)) return null;
    const claim = this.store.claim(entry.seq, now, claimedBy);
    if (claim && entry.parentId) this.parents.moved(entry.seq, entry.parentId, 'queued', 'running');
    return claim;
  }

  /** Cancels a queued or running job in the store; a queued one leaves the index too. */
  cancel(record: JobRecord, now: number, reason: string): void {
    const from = record.state === 'queued' ? 'queued' : 'running';
    if (from === 'queued') this.index.remove(record.seq);
    if (this.store.cancel(record.seq, now, reason, from) && record.parentId) this.parents.moved(record.seq, record.parentId, from, 'canceled');
  }

  /** Cancels a parent's queued child by its seq (a parent's sweep reads no record). */
  cancelQueuedChild(seq: number, parentId: string, now: number, reason: string): void {
    this.index.remove(seq);
    if (this.store.cancel(seq, now, reason, 'queued')) this.parents.moved(seq, parentId, 'queued', 'canceled');
  }

  reprioritize(seq: number, priority: number, now: number): void {
    const entry = this.index.remove(seq);
    this.store.reprioritize(seq, priority);
    if (entry) this.index.add({ ...entry, priority }, now);
  }

  /** A failed run goes back to the queue, due at `runAt`. */
  retryLater(entry: QueuedEntry, runAt: number, error: JobError, refundAttempt: boolean, now: number): void {
    if (this.store.requeue(entry.seq, runAt, error, refundAttempt)) {
      this.index.add({ ...entry, runAt }, now);
      this.parents.moved(entry.seq, undefined, 'running', 'queued');
    }
  }

  /** A run cut short by our own shutdown: queued on disk again, for the next start to pick up. */
  requeueAfterShutdown(seq: number): void {
    if (this.store.requeue(seq, null, { code: 'interrupted', message: 'LM Queue shut down' }, true)) this.parents.moved(seq, undefined, 'running', 'queued');
  }

  succeed(seq: number, now: number, result: unknown, usage: Usage): void {
    if (this.store.succeed(seq, now, result, usage)) this.parents.moved(seq, undefined, 'running', 'succeeded');
  }

  failRunning(seq: number, now: number, error: JobError): void {
    if (this.store.fail(seq, now, error)) this.parents.moved(seq, undefined, 'running', 'failed');
  }

  /** Fails a queued child at once (its request was refused as it was added). */
  failQueued(seq: number, parentId: string, now: number, error: JobError): void {
    this.index.remove(seq);
    if (this.store.fail(seq, now, error, 'queued')) this.parents.moved(seq, parentId, 'queued', 'failed');
  }

  /** Fails every queued job of `model` (LM Studio cannot load it); returns them. */
  failQueuedForModel(model: string, now: number, error: JobError): QueuedEntry[] {
    const doomed = [...this.index.allNodes()].filter((n) => n.model === model);
    this.store.transaction(() => {
      for (const entry of doomed) {
        this.index.remove(entry.seq);
        if (this.store.fail(entry.seq, now, error, 'queued') && entry.parentId) this.parents.moved(entry.seq, entry.parentId, 'queued', 'failed');
      }
    });
    return doomed;
  }
}
