/**
 * Parent jobs (a batch; a document index next): a parent owns child request jobs, which are
 * ordinary jobs in the queue at the parent's owner, priority and lane. The parent holds no slot
 * and never enters the queue index; it runs once a child runs, and ends once it is sealed (every
 * child added) and every child has ended, or once canceled or failed and its children swept.
 */
import { LmqError } from '../../../shared/errors';
import { isParentKind, type Job, type JobError, type ParentKind } from '../../../shared/job';
import type { Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { NewChild, NewParent } from '../engine-api';
import type { Forecaster } from '../eta/forecaster';
import type { JobQueue } from '../scheduler/job-queue';
import type { RunningJob } from '../scheduler/running-job';
import type { JobRecord, NewJob } from '../store/job-record';
import type { JobStore } from '../store/job-store';
import { ParentStore, type ChildWithResult } from '../store/parent-store';
import { emptyCounts, unfinished, type ParentEnding, type ParentEntry, type ParentLedger } from './parent-ledger';
import { walkChildren } from './child-walk';
import { ParentViews } from './parent-views';
import { JOB_KIND_DEFINITIONS } from './job-kinds';

/** Most children one addChildren call takes: a chunk is one transaction, and one turn of the loop. */
export const MAX_CHILDREN_PER_CALL = 5_000;

export interface ParentJobsDeps {
  store: JobStore;
  queue: JobQueue;
  forecaster: Forecaster;
  running: ReadonlyMap<number, RunningJob>;
  clock: Clock;
  logger: EngineLogger;
  /** Model ids LM Studio offers (empty when unknown: every model is taken). */
  models: () => string[];
  maxQueued: number;
  defaultMaxAttempts: number;
  /** A job changed (events, calibration). */
  jobChanged: (seq: number) => void;
  /**
   * A child left the queue in a parent's sweep: forgotten quietly (no job.updated each, which
   * for 50,000 children held the loop for half a second); the parent's update and queue.changed say it.
   */
  childSwept: (seq: number) => void;
  /** A parent ended: its waiters are told. */
  parentFinished: (seq: number) => void;
  queueChanged: () => void;
  /** `owner` has queued work now (fair share lifts a newly backlogged owner). */
  backlogged: (owner: string, hadQueued: boolean) => void;
  /** Aborts a running child's request (its store row is already canceled). */
  abort: (seq: number) => boolean;
  wake: () => void;
}

interface LiveParent extends ParentEntry {
  kind: ParentKind;
  sweeping: boolean;
  /** Bumped by each reprioritize: an older pass over the children stops. */
  priorityPass: number;
}

export class ParentJobs {
  readonly parentStore: ParentStore;
  private readonly ledger: ParentLedger;
  private readonly dirty = new Set<LiveParent>();
  private checkScheduled = false;
  /** Canceled children whose request is still being aborted: their parent ends after them. */
  private readonly aborting = new Map<number, LiveParent>();
  private readonly finishListeners = new Set<(job: Job) => void>();
  /** How parents are shown (their children's counts, progress and ETA). */
  readonly views: ParentViews;
  private closed = false;

  constructor(private readonly deps: ParentJobsDeps) {
    this.parentStore = new ParentStore(deps.store.db);
    this.ledger = deps.queue.parents;
    this.views = new ParentViews({ ledger: this.ledger, parentStore: this.parentStore, forecaster: deps.forecaster, running: deps.running, clock: deps.clock });
    this.ledger.listener = (parent) => this.changed(parent as LiveParent);
    this.ledger.reconcile = () => {
      for (const parent of this.ledger.all()) Object.assign(parent.counts, this.parentStore.childCounts(parent.id));
      this.ledger.pruneRunning((seq) => deps.store.getBySeq(seq)?.state === 'running');
    };
  }

  /** At start, after recovery: each unfinished parent's counts are counted from its children. */
  restore(): void {
    for (const record of this.parentStore.unfinishedParents()) {
      const marks = this.parentStore.marks(record.seq);
      if (!marks || !isParentKind(record.kind)) continue;
      const parent: LiveParent = {
        seq: record.seq,
        id: record.id,
        kind: record.kind,
        counts: this.parentStore.childCounts(record.id),
        sealed: marks.sealed,
        ending: marks.ending,
        started: record.state === 'running',
        sweeping: false,
        priorityPass: 0,
      };
      this.ledger.track(parent);
      if (parent.ending) this.sweep(parent);
      // A reprioritize cut short by a stop: its children follow the parent's priority again.
      else this.movePriority(parent, record.priority);
      this.changed(parent);
    }
  }

  create(request: NewParent & { priority: number }): JobRecord {
    const { store, clock } = this.deps;
    return store.transaction(() => {
      const record = store.insert({
        kind: request.kind,
        model: request.model ?? '',
        owner: request.owner,
        priority: request.priority,
        lane: request.lane ?? 'batch',
        maxAttempts: 1,
        createdAt: clock.now(),
        runAt: null,
        promptTokens: 0,
        maxTokens: null,
        input: {},
        metadata: request.metadata ?? null,
      });
      this.parentStore.create(record.seq);
      const parent: LiveParent = { seq: record.seq, id: record.id, kind: request.kind, counts: emptyCounts(), sealed: false, ending: null, started: false, sweeping: false, priorityPass: 0 };
      this.ledger.track(parent);
      return record;
    });
  }

  /**
   * Adds children `firstIndex`, `firstIndex + 1`, ... in one transaction; those already there
   * (a chunk added again after a crash) are skipped. A child whose request the engine would
   * refuse (bad input, a model LM Studio does not have) is added failed, with that error: it
   * is the request's own failure, not its parent's.
   */
  addChildren(parentId: string, firstIndex: number, children: readonly NewChild[]): { added: number } {
    const parent = this.live(parentId, 'add children to');
    if (parent.sealed) throw new LmqError('invalid_state', `job ${parentId} is sealed: all its children are added`);
    if (!Number.isSafeInteger(firstIndex) || firstIndex < 0) throw new LmqError('bad_request', 'firstIndex must be a non-negative integer');
    if (children.length > MAX_CHILDREN_PER_CALL) throw new LmqError('bad_request', `at most ${MAX_CHILDREN_PER_CALL} children per call`);
    const { store, queue, clock } = this.deps;
    const { index } = queue;
    if (index.size + children.length > this.deps.maxQueued) {
      throw new LmqError('queue_full', `the queue is full (${this.deps.maxQueued} jobs); try again later`, { retryAfterSeconds: 10 });
    }
    const record = store.getBySeq(parent.seq)!;
    const available = this.deps.models();
    const now = clock.now();
    const hadQueued = index.queuedForOwner(record.owner) > 0;
    let added = 0;
    const refused: { seq: number; error: JobError }[] = [];
    store.transaction(() => {
      children.forEach((child, i) => {
        const definition = JOB_KIND_DEFINITIONS[child.kind];
        let error: JobError | null = null;
        try {
          definition.validate(child.input);
          if (available.length > 0 && !available.includes(child.model)) {
            throw new LmqError('unknown_model', `model "${child.model}" is not available; available: ${available.join(', ')}`);
          }
        } catch (e) {
          if (!(e instanceof LmqError)) throw e;
          error = { code: e.code, message: e.message, retryable: false };
        }
        const job: NewJob = {
          kind: child.kind,
          model: child.model,
          owner: record.owner,
          priority: record.priority,
          lane: record.lane,
          maxAttempts: child.maxAttempts ?? this.deps.defaultMaxAttempts,
          createdAt: now,
          runAt: null,
          promptTokens: error ? 0 : definition.promptTokens(child.input),
          maxTokens: error ? null : definition.maxTokens(child.input),
          input: child.input,
          metadata: child.metadata ?? null,
        };
        const inserted = queue.enqueueChild(job, parentId, firstIndex + i);
        if (!inserted) return;
        added++;
        if (error) refused.push({ seq: inserted.seq, error });
      });
      for (const { seq, error } of refused) queue.failQueued(seq, parentId, now, error);
    });
    if (added > refused.length) this.deps.backlogged(record.owner, hadQueued);
    for (const { seq } of refused) this.deps.jobChanged(seq);
    this.deps.queueChanged();
    this.deps.wake();
    return { added };
  }

  /** Every child is added: the parent ends once they have. `summary` joins its result (beside `children`). */
  seal(parentId: string, summary?: Record<string, unknown>): void {
    const parent = this.live(parentId, 'seal');
    if (parent.sealed) return;
    this.deps.store.transaction(() => {
      if (summary) this.deps.store.saveParentSummary(parent.seq, summary);
      this.parentStore.seal(parent.seq);
    });
    parent.sealed = true;
    this.changed(parent);
  }

  /** Its owner has taken these succeeded children's results into its own store: they are not kept twice. */
  dropChildResults(parentId: string, indexes: readonly number[]): number {
    return this.deps.store.transaction(() => this.parentStore.dropChildResults(parentId, indexes));
  }

  /** The parent's own work began (an index's scan, before any child): it shows running. */
  begin(parentId: string): void {
    const parent = this.live(parentId, 'begin');
    parent.started = this.deps.store.startParent(parent.seq, this.deps.clock.now()) || parent.started;
    this.deps.jobChanged(parent.seq);
  }

  /** Its owner's layer has news (a stage moved on): its view is pushed again. */
  touch(parentId: string): void {
    const live = this.ledger.get(parentId);
    if (live) this.deps.jobChanged(live.seq);
  }

  /** Cancels a parent: its queued children are canceled, its running ones aborted. */
  cancel(parentId: string, reason: string): void {
    this.end(this.live(parentId, 'cancel'), { state: 'canceled', error: { code: 'canceled', message: reason } });
  }

  /** Fails a parent (a malformed batch file): its children are canceled as in `cancel`. */
  fail(parentId: string, error: JobError): void {
    this.end(this.live(parentId, 'fail'), { state: 'failed', error });
  }

  /** The parent's priority, and so its queued children's (a chunk per turn) and those added after. */
  reprioritize(parentId: string, priority: number): void {
    const parent = this.live(parentId, 'reprioritize');
    this.deps.store.transaction(() => this.parentStore.setPriority(parent.seq, priority));
    this.movePriority(parent, priority);
    this.changed(parent);
  }

  childPage(parentId: string, afterIndex: number, limit: number): ChildWithResult[] {
    if (!this.deps.store.getById(parentId)) throw new LmqError('not_found', `no job with id ${parentId}`);
    return this.parentStore.childPage(parentId, afterIndex, Math.max(1, Math.min(limit, 10_000)));
  }

  /** Told when a parent ends (the Batch API writes its output then). */
  onParentFinished(listener: (job: Job) => void): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /** A job changed: an aborted child's request has ended (its parent may end now). */
  noteJobChanged(seq: number): void {
    const parent = this.aborting.get(seq);
    if (parent && !this.deps.running.has(seq)) {
      this.aborting.delete(seq);
      this.changed(parent);
    }
  }

  /** Queued children of every unfinished parent. */
  queuedChildren(): number {
    let n = 0;
    for (const parent of this.ledger.all()) n += parent.counts.queued;
    return n;
  }

  /** Unfinished parents' ids, oldest first. */
  unfinishedIds(): string[] {
    return [...this.ledger.all()].sort((a, b) => a.seq - b.seq).map((p) => p.id);
  }

  close(): void {
    this.closed = true;
  }

  private live(parentId: string, action: string): LiveParent {
    const parent = this.ledger.get(parentId) as LiveParent | undefined;
    if (parent) {
      if (parent.ending) throw new LmqError('invalid_state', `job ${parentId} is being ${parent.ending.state}; cannot ${action} it`);
      return parent;
    }
    const record = this.deps.store.getById(parentId);
    if (!record) throw new LmqError('not_found', `no job with id ${parentId}`);
    if (!isParentKind(record.kind)) throw new LmqError('invalid_state', `job ${parentId} is a ${record.kind} job, not a parent job`);
    throw new LmqError('invalid_state', `job ${parentId} is already ${record.state}`);
  }

  private end(parent: LiveParent, ending: ParentEnding): void {
    this.deps.store.transaction(() => this.parentStore.setEnding(parent.seq, ending));
    parent.ending = ending;
    this.sweep(parent);
    this.changed(parent);
  }

  /**
   * Cancels an ending parent's children: running ones at once (their requests aborted), queued
   * ones a chunk per turn (walkChildren). Its queued children cannot start meanwhile
   * (JobQueue.claim skips them).
   */
  private sweep(parent: LiveParent): void {
    if (parent.sweeping) return;
    parent.sweeping = true;
    const { store, queue, clock } = this.deps;
    const reason = parent.ending!.error.message;
    store.transaction(() => {
      for (const seq of this.ledger.runningChildrenOf(parent)) {
        const record = store.getBySeq(seq);
        if (record?.state !== 'running') continue;
        queue.cancel(record, clock.now(), reason);
        if (this.deps.abort(seq)) this.aborting.set(seq, parent);
        this.deps.jobChanged(seq);
      }
    });
    walkChildren({
      next: (after, limit) => this.parentStore.childrenIn(parent.id, 'queued', after, limit),
      apply: (chunk) => {
        const now = clock.now();
        store.transaction(() => {
          for (const { seq } of chunk) queue.cancelQueuedChild(seq, parent.id, now, reason);
        });
        for (const { seq } of chunk) this.deps.childSwept(seq);
        this.changed(parent);
      },
      stopped: () => this.closed,
      // A child requeued behind the cursor meanwhile (a retry of one that was running).
      leftBehind: () => parent.counts.queued > 0,
      done: () => {
        parent.sweeping = false;
        this.deps.queueChanged();
        this.changed(parent);
      },
    });
  }

  /** The parent's queued children follow its priority (those not at it yet). */
  private movePriority(parent: LiveParent, priority: number): void {
    const pass = ++parent.priorityPass;
    const { store, queue, clock } = this.deps;
    walkChildren({
      next: (after, limit) => this.parentStore.queuedNotAt(parent.id, priority, after, limit),
      apply: (chunk) => {
        const now = clock.now();
        store.transaction(() => {
          for (const { seq } of chunk) queue.reprioritize(seq, priority, now);
        });
        this.changed(parent);
        this.deps.queueChanged();
        this.deps.wake();
      },
      stopped: () => this.closed || parent.priorityPass !== pass || parent.ending !== null || this.ledger.get(parent.id) !== parent,
    });
  }

  private changed(parent: LiveParent): void {
    this.dirty.add(parent);
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    // After the transition's transaction (a dispatcher pass, a chunk of children).
    queueMicrotask(() => {
      this.checkScheduled = false;
      const dirty = [...this.dirty];
      this.dirty.clear();
      for (const p of dirty) this.check(p);
    });
  }

  private check(parent: LiveParent): void {
    if (this.closed || this.ledger.get(parent.id) !== parent) return;
    const { store, clock } = this.deps;
    const now = clock.now();
    if (!parent.started && parent.counts.running > 0) {
      parent.started = store.startParent(parent.seq, now) || parent.started;
    }
    const done = unfinished(parent.counts) === 0 && (parent.ending !== null || parent.sealed) && !parent.sweeping && !this.isAborting(parent);
    if (!done) {
      this.deps.jobChanged(parent.seq);
      return;
    }
    const counts = { ...parent.counts };
    const end = parent.ending ?? { state: 'succeeded' as const, error: null };
    store.transaction(() => {
      store.finishParent(parent.seq, now, { state: end.state, error: end.error, result: { children: counts } }, parent.started ? 'running' : 'queued');
      this.parentStore.saveChildren(parent.seq, counts);
    });
    this.ledger.forget(parent.id);
    this.deps.parentFinished(parent.seq);
    if (this.finishListeners.size > 0) {
      const record = store.getBySeq(parent.seq);
      if (record) {
        const job = this.finishedView(record);
        for (const listener of this.finishListeners) listener(job);
      }
    }
  }

  /** Set by the engine: a record as the API shows it. */
  finishedView: (record: JobRecord) => Job = () => {
    throw new Error('ParentJobs.finishedView is not wired');
  };

  private isAborting(parent: LiveParent): boolean {
    for (const p of this.aborting.values()) if (p === parent) return true;
    return false;
  }
}
