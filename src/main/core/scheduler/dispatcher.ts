/**
 * The loop that turns policy decisions into work: claims jobs (recorded before anything is
 * sent), runs them on the backend, loads and unloads models through ModelRoom, retries with
 * backoff. It wakes on events (enqueue, finish, timers, backend changes); it never polls.
 * Over ~400 lines: claiming, finishing, preempting and making room share the running set and
 * one wake loop, and their order within a turn is what keeps a job from running twice.
 */
import type { BackendState } from '../../../shared/backend';
import type { Backend } from '../backend';
import { MAX_TIMER_MS, type Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { JobSink } from '../engine-api';
import type { ServiceModel } from '../eta/service-model';
import { backendBody } from '../jobs/job-kinds';
import { BackendError, isBackendError } from '../lmstudio/errors';
import type { QueuedEntry } from '../store/job-record';
import type { ClaimedJob } from '../store/job-store';
import { remainingMs } from '../eta/running-estimate';
import { serviceCost, type FairShare } from './fair-share';
import type { JobQueue } from './job-queue';
import { ModelRoom } from './model-room';
import { preemptible } from './preemption';
import { jobError, RunOutcomes } from './run-outcomes';
import { startRun, type RunningJob } from './running-job';
import { countModel, decide, emptyRunningView, markServed, nextSwitchDueAt, type DrainView, type PolicyParams, type RunningView } from './policy';
import type { Bucket } from './queue-index';

export interface DispatcherDeps {
  queue: JobQueue;
  backend: Backend;
  service: ServiceModel;
  fair: FairShare;
  params: () => PolicyParams;
  clock: Clock;
  logger: EngineLogger;
  instanceId: string;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Memory budget for loaded models (bytes); null: the default (model-room.ts). */
  modelMemoryBytes: number | null;
  pinnedModels: readonly string[];
  random?: () => number;
  sinks: (seq: number) => Iterable<JobSink>;
  /** A job changed state or progressed; the engine turns this into events. */
  onJobChanged: (seq: number) => void;
  /** Whether the data directory takes writes; while it does not, nothing is claimed and outcomes wait in memory. */
  storageOk: () => boolean;
  isStorageFailure: (error: unknown) => boolean;
  /** A commit of this loop failed that way (SQLite rolled it back); the engine reconciles its view of the queue. */
  onStorageFailure: (error: unknown) => void;
}

interface Completion {
  run: RunningJob;
  /** The outcome's writes (and their bookkeeping); applied again if their commit failed. */
  apply: () => void;
}

function toBackendError(error: unknown): BackendError {
  if (isBackendError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BackendError('protocol', message, { cause: error });
}

export class Dispatcher {
  readonly running = new Map<number, RunningJob>();
  readonly runningView: RunningView = emptyRunningView();
  readonly room: ModelRoom;
  private readonly outcomes: RunOutcomes;
  private paused = false;
  private stopping = false;
  private scheduled = false;
  private timer: { handle: unknown; at: number } | null = null;
  private closed = false;
  private workWaiting = false;
  /** When the last pass's waiting work for a missing model passes its switch bound (Infinity: none). */
  private switchDueAt = Infinity;
  /** Outcomes of finished requests, applied together (one commit) at the next tick; held here while writes fail. */
  private readonly completions: Completion[] = [];
  /** Runs whose request is still under way (their outcome not yet among the completions). */
  private readonly executing = new Set<Promise<void>>();

  constructor(private readonly deps: DispatcherDeps) {
    this.outcomes = new RunOutcomes({
      queue: deps.queue,
      fair: deps.fair,
      clock: deps.clock,
      logger: deps.logger,
      retry: { baseMs: deps.retryBaseMs, maxMs: deps.retryMaxMs },
      random: deps.random,
    });
    this.room = new ModelRoom({
      backend: deps.backend,
      service: deps.service,
      clock: deps.clock,
      logger: deps.logger,
      budgetBytes: deps.modelMemoryBytes,
      pinned: deps.pinnedModels,
      retryBaseMs: deps.retryBaseMs,
      retryMaxMs: deps.retryMaxMs,
      onSettled: () => this.wake(),
      onUnloadable: (model, error) => this.failQueuedForModel(model, error),
    });
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.wake();
  }

  /** Schedules one pass of the loop (many wakes in one turn make one pass). */
  wake(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  /** LM Studio's state changed (a refresh, or someone loading or unloading in its UI): adopt it. */
  backendChanged(state: BackendState): void {
    this.room.sync(state);
    this.wake();
  }

  /** Aborts a running job that was canceled in the store; false if it was not running. */
  abort(seq: number): boolean {
    const run = this.running.get(seq);
    if (!run) return false;
    run.abortReason = 'canceled';
    run.controller.abort(new BackendError('aborted', 'the job was canceled'));
    return true;
  }

  /** Stops dispatching; waits up to graceMs for running jobs, then requeues the rest. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer.handle);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, grace]);
    clearTimeout(graceTimer);
    for (const run of this.running.values()) {
      run.abortReason ??= 'shutdown';
      run.controller.abort(new BackendError('aborted', 'LM Queue is shutting down'));
    }
    await Promise.all(this.executing);
    if (this.completions.length > 0) this.tick();
    if (this.completions.length > 0) {
      // Still running on disk: the next start recovers them as interrupted and runs them again.
      const jobs = this.completions.map((c) => c.run.claim.id);
      this.deps.logger.error({ jobs }, 'the outcomes of these finished jobs could not be written (storage); they run again at the next start');
      for (const completion of this.completions.splice(0)) this.settleRun(completion.run);
    }
    await all;
    await this.room.stop();
    this.closed = true;
  }

  /** Outcomes of finished jobs held in memory (the data directory takes no writes). */
  get unsavedResults(): number {
    return this.completions.length;
  }

  private tick(): void {
    if (this.closed) return;
    const { queue, clock, backend } = this.deps;
    const { store } = queue;
    const now = clock.now();
    // While the data directory takes no writes, nothing is claimed and finished runs wait, in
    // memory; the engine wakes the loop once a write succeeds again.
    if (!this.deps.storageOk()) return;
    queue.index.promoteDue(now);
    this.noteWorkWaiting(queue.index.size > queue.index.delayedNodes().length);
    const launches: RunningJob[] = [];
    const finished: QueuedEntry[] = [];
    // One transaction per pass (group commit): finished jobs and new claims commit together,
    // and nothing is sent before the commit, so a claimed job is on disk before LM Studio sees it.
    const dispatching = !this.stopping && !this.paused && backend.state().status !== 'down';
    // With every slot taken there is still a load or unload to decide, unless one is under way.
    const canAct = this.runningView.total < this.deps.params().slots || !this.room.view.busy;
    if (this.completions.length === 0 && !(dispatching && canAct)) {
      this.armTimer(now);
      return;
    }
    const batch = this.completions.splice(0);
    try {
      store.transaction(() => {
        // Slots are freed before dispatching, so this same pass can fill them.
        for (const completion of batch) {
          completion.apply();
          this.release(completion.run);
        }
        if (dispatching) this.dispatchReady(now, launches);
      });
      // Claims and outcomes may sit in a pending group commit (submissions this turn): durable
      // before anything is sent or anyone is told.
      if (launches.length > 0 || batch.length > 0) store.commitPending();
    } catch (error) {
      if (!this.deps.isStorageFailure(error)) throw error;
      // SQLite rolled the commit back: the outcomes wait to be written again, the claims never happened.
      for (const run of launches) this.settleRun(run);
      for (const { run } of batch) {
        if (this.running.has(run.entry.seq)) continue; // the failure came before its turn
        this.running.set(run.entry.seq, run);
        this.track(run.entry, 1);
      }
      this.completions.unshift(...batch);
      this.deps.onStorageFailure(error);
      return;
    }
    for (const { run } of batch) {
      run.settle();
      finished.push(run.entry);
    }
    for (const entry of finished) this.deps.onJobChanged(entry.seq);
    for (const run of launches) this.launch(run);
    if (!this.stopping) this.armTimer(now);
  }

  private noteWorkWaiting(waiting: boolean): void {
    if (waiting === this.workWaiting) return;
    this.workWaiting = waiting;
    this.deps.backend.noteWorkWaiting?.(waiting);
  }

  private dispatchReady(now: number, launches: RunningJob[]): void {
    const { queue, fair } = this.deps;
    const params = this.deps.params();
    const drain = this.drainView(now);
    const room = this.room;
    for (;;) {
      const decision = decide(queue.index.activeBuckets(), this.runningView, room.view, fair, params, now, drain);
      switch (decision.type) {
        case 'run':
        case 'backfill': {
          const entry = decision.candidate.entry;
          markServed(decision.candidate, now);
          const claim = queue.claim(entry, now, this.deps.instanceId);
          if (claim) launches.push(this.claimed(entry, claim, now));
          continue;
        }
        case 'makeRoom':
          this.deps.logger.info({ model: decision.model, victims: decision.victims }, 'making room for a model');
          room.view.making = { model: decision.model, victims: decision.victims, preempt: decision.preempt };
          if (decision.preempt !== null) this.preempt(decision.victims, decision.preempt);
          continue;
        case 'abandon':
          room.view.making = null;
          continue;
        case 'load':
          room.load(decision.model);
          continue;
        case 'unload':
          room.unload(decision.model);
          continue;
        case 'reject':
          this.failQueuedForModel(
            decision.model,
            new BackendError('model_not_found', `model "${decision.model}" does not fit the memory budget for models (${room.view.budgetBytes} bytes) beside the pinned ones; raise --model-memory`),
          );
          continue;
        default:
          // Nothing wakes the loop when waiting work passes its switch bound: a timer does.
          this.switchDueAt = decision.type === 'wait' && !room.view.busy ? nextSwitchDueAt() : Infinity;
          return;
      }
    }
  }

  /** While room is made: when the in-flight requests on the given models should be done, and what a queued job would take. */
  private drainView(now: number): DrainView<Bucket> {
    return {
      lastFinishAt: (models) => {
        let last = now;
        for (const run of this.running.values()) {
          // A preempted request ends now, whatever its estimate said: it must not make room for backfill.
          if (run.abortReason === null && models.includes(run.entry.model)) last = Math.max(last, now + remainingMs(run, now));
        }
        return last;
      },
      serviceMs: (bucket) => this.deps.service.estimate(bucket.entry, undefined, this.runningView.total + 1).serviceMs,
    };
  }

  private armTimer(now: number): void {
    if (this.stopping) return;
    const due = this.deps.queue.index.nextDueAt();
    const at = this.switchDueAt === Infinity ? due : Math.min(due ?? Infinity, this.switchDueAt);
    if (this.timer && (at === null || this.timer.at !== at)) {
      this.deps.clock.clearTimeout(this.timer.handle);
      this.timer = null;
    }
    if (at !== null && !this.timer) {
      const handle = this.deps.clock.setTimeout(
        () => {
          this.timer = null;
          this.wake();
        },
        // A far runAt is reached through several timers: each wake re-arms for what is left.
        Math.min(Math.max(0, at - now), MAX_TIMER_MS),
      );
      this.timer = { handle, at };
    }
  }

  private track(entry: QueuedEntry, delta: 1 | -1): void {
    const view = this.runningView;
    view.total += delta;
    view.byLane[entry.lane] += delta;
    const n = (view.byOwner.get(entry.owner) ?? 0) + delta;
    if (n === 0) view.byOwner.delete(entry.owner);
    else view.byOwner.set(entry.owner, n);
    countModel(view, entry.model, delta);
    this.room.used(entry.model);
  }

  /** Books a claimed job as running (slots, fair share); it is sent after the commit. */
  private claimed(entry: QueuedEntry, claim: ClaimedJob, now: number): RunningJob {
    const concurrency = this.runningView.total + 1;
    const estimate = this.deps.service.estimate(entry, undefined, concurrency);
    this.deps.fair.charge(entry.owner, serviceCost(estimate.promptTokens, estimate.outputTokens));
    const run = startRun(entry, claim, now, concurrency, estimate);
    this.running.set(entry.seq, run);
    this.track(entry, 1);
    return run;
  }

  private launch(run: RunningJob): void {
    this.deps.onJobChanged(run.entry.seq);
    const executing = this.execute(run);
    this.executing.add(executing);
    void executing.finally(() => this.executing.delete(executing));
  }

  /** A run leaves the running set: its outcome is on disk, or its claim never was. */
  private settleRun(run: RunningJob): void {
    this.release(run);
    run.settle();
  }

  private release(run: RunningJob): void {
    this.running.delete(run.entry.seq);
    this.track(run.entry, -1);
  }

  /** Queues a finished run's bookkeeping for the next tick's transaction. */
  private complete(run: RunningJob, apply: () => void): void {
    this.completions.push({ run, apply });
    this.wake();
  }

  private async execute(run: RunningJob): Promise<void> {
    const { backend, clock } = this.deps;
    const { entry, claim } = run;
    try {
      // Preempted or canceled between its claim and the commit that lets it be sent: not sent at all.
      if (run.controller.signal.aborted) throw new BackendError('aborted', 'aborted before it was sent');
      const outcome = await backend.run(
        { jobId: claim.id, kind: entry.kind, model: entry.model, body: backendBody(claim.input, entry.model) },
        {
          signal: run.controller.signal,
          onChunk: (data, event) => {
            for (const sink of this.deps.sinks(entry.seq)) {
              run.streamedToListener = true;
              sink.onChunk(data, event);
            }
          },
          onTokens: (tokens) => {
            if (run.firstTokens === null && tokens > 0) run.firstTokens = { at: clock.now(), tokens };
            run.tokens = tokens;
            this.deps.onJobChanged(entry.seq);
          },
          onStage: (stage) => {
            run.stage = stage;
            this.deps.onJobChanged(entry.seq);
          },
        },
      );
      // A whole answer that arrived as we preempted it is kept: sending it again would serve it twice.
      if (run.abortReason === 'preempted') run.abortReason = null;
      if (run.abortReason) throw new BackendError('aborted', 'aborted');
      this.deps.service.observe({
        concurrency: run.concurrency,
        kind: entry.kind,
        owner: entry.owner,
        model: entry.model,
        promptTokens: outcome.stats.promptTokens,
        completionTokens: outcome.stats.completionTokens,
        maxTokens: entry.maxTokens,
        durationMs: outcome.stats.durationMs,
        tokensPerSecond: outcome.stats.tokensPerSecond,
        timeToFirstTokenMs: outcome.stats.timeToFirstTokenMs,
      });
      const usage = { ...outcome.usage, tokensPerSecond: outcome.stats.tokensPerSecond, timeToFirstTokenMs: outcome.stats.timeToFirstTokenMs };
      this.complete(run, () => this.outcomes.succeeded(run, outcome.body, usage));
    } catch (error) {
      this.complete(run, () => this.outcomes.failed(run, toBackendError(error), clock.now()));
    }
  }

  /**
   * Room for interactive work: the batch and background requests on the models to unload that
   * `preemptible` allows, of at most the chat's priority, go back to the queue instead of being
   * waited for, so the switch waits only for interactive requests, answers nearly done and work
   * that outranks the chat.
   */
  private preempt(victims: readonly string[], upToPriority: number): void {
    for (const run of this.running.values()) {
      if (!victims.includes(run.entry.model) || run.entry.priority > upToPriority || !preemptible(run)) continue;
      run.abortReason = 'preempted';
      this.deps.logger.info({ job: run.claim.id, model: run.entry.model, tokens: run.tokens }, 'preempted to make room for interactive work');
      run.controller.abort(new BackendError('aborted', 'preempted to make room for interactive work'));
    }
  }

  /** A model LM Studio cannot load: its queued jobs fail now rather than wait forever. */
  private failQueuedForModel(model: string, error: BackendError): void {
    const doomed = this.deps.queue.failQueuedForModel(model, this.deps.clock.now(), jobError(error));
    // Told after this turn: the caller may be inside a dispatch pass.
    queueMicrotask(() => {
      for (const entry of doomed) this.deps.onJobChanged(entry.seq);
    });
  }
}
