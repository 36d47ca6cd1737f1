/**
 * Composition root: wires store, queue index, policy, dispatcher, forecaster, events and the
 * LM Studio client into the `Engine` both hosts (Electron main, headless) run.
 * Longer than our ~400 lines because it is the one place every part is wired; the logic of
 * each part lives in its own module.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { BackendState } from '../../shared/backend';
import type { EventName, ServerEvents } from '../../shared/contract';
import { LmqError } from '../../shared/errors';
import { FINISHED_STATES, isParentKind, ListJobsQuerySchema, type Job, type SubmitJobRequest } from '../../shared/job';
import { parseOrThrow } from '../../shared/validation';
import { DEFAULT_PRIORITY } from '../../shared/priority';
import { QueueSnapshotQuerySchema, type QueueCounts, type QueueSnapshot, type QueueSnapshotQuery } from '../../shared/queue';
import type { Backend } from './backend';
import { EngineEvents } from './engine-events';
import { JobCallers } from './job-callers';
import { systemClock } from './clock';
import type { EngineConfig, EngineLogger } from './config';
import type { Engine, SubmitOptions } from './engine-api';
import { ServiceModel } from './eta/service-model';
import { LiveJobViews } from './live-job-views';
import { JOB_KIND_DEFINITIONS } from './jobs/job-kinds';
import { parentEngineMethods } from './jobs/parent-api';
import { ParentJobs } from './jobs/parent-jobs';
import { Dispatcher } from './scheduler/dispatcher';
import { FairShare } from './scheduler/fair-share';
import { laneCaps } from './scheduler/limits';
import type { PolicyParams } from './scheduler/policy';
import { JobQueue } from './scheduler/job-queue';
import { QueueIndex } from './scheduler/queue-index';
import type { JobRecord } from './store/job-record';
import { JobStore } from './store/job-store';
import { IdempotencyStore, requestHash } from './store/idempotency-store';
import { SettingsStore } from './store/settings-store';
import { LearnedState } from './learned-state';
import { storageStatusOf } from './store/storage-health';
import { StorageGuard } from './storage-guard';
import { TokenStore } from './store/token-store';
import { Schedules } from './schedules/schedules';
import { Batches } from './batches/batches';
import { scheduledBatchMaker } from './batches/scheduled-batch';
import { Indexes } from './indexing/indexes';
import { scheduledIndexMaker } from './indexing/scheduled-index';
import { IndexStore } from './indexing/index-store';
import { DEFAULT_MAX_INDEX_FILE_BYTES, DEFAULT_MAX_INDEX_JOBS } from '../../shared/indexes';

const DAY_MS = 86_400_000;
const DISPATCH_PAUSED_SETTING = 'dispatchPaused';
/** The tiny write that tells whether the data directory takes writes again. */
const STORAGE_PROBE_SETTING = 'storageProbeAt';
/** The latest instant a Date holds (year 275760): runAt's only upper bound. */
const LATEST_DATE_MS = 8.64e15;
/** Long prompts on big models can take minutes before the first token. */
const DEFAULT_TIMEOUTS = { firstTokenMs: 300_000, idleMs: 60_000, totalMs: 3_600_000 };
const silentLogger: EngineLogger = { info() {}, warn() {}, error() {}, debug() {} };

function parseRunAt(runAt: SubmitJobRequest['runAt']): number | null {
  if (runAt === undefined) return null;
  const ms = typeof runAt === 'number' ? runAt : Date.parse(runAt);
  if (!Number.isFinite(ms)) throw new LmqError('bad_request', 'runAt must be an ISO date-time or epoch milliseconds');
  if (ms > LATEST_DATE_MS) throw new LmqError('bad_request', `runAt must be a date a JavaScript Date can hold (epoch milliseconds up to ${LATEST_DATE_MS})`);
  return ms;
}

export async function createEngine(config: EngineConfig): Promise<Engine> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? silentLogger;
  if (config.dataDir !== null) mkdirSync(config.dataDir, { recursive: true });
  const dbPath = config.dataDir === null ? ':memory:' : join(config.dataDir, 'lmqueue.db');
  const store = new JobStore({
    path: dbPath,
    // The end-of-turn group commit failed: its submitters were refused; the guard takes it from here.
    onWriteFailure: (error) => {
      if (!storage.failed(error)) throw error;
    },
    nativeBinding: config.sqliteNativeBinding ?? null,
    synchronous: config.durability === 'full' ? 'FULL' : 'NORMAL',
    onCheckpointFailure: (error) => logger.warn({ err: error.message }, 'background checkpoints stopped; SQLite checkpoints inline'),
    onUpgrade: (from, to) =>
      logger.info({ from, to }, 'upgrading the data directory to this version; a long job history takes a while (~5 s per 100k jobs)'),
  });
  // Opened before any transition (recovery too), so its outbox triggers see every change.
  const neo4jMirror = config.neo4j ? (await import('./mirror/neo4j-mirror')).openNeo4jMirror({ settings: config.neo4j, db: store.db, logger, now: () => clock.now() }) : null;
  const recovered = store.recoverInterrupted(clock.now());
  if (recovered.requeued + recovered.failed > 0) logger.warn(recovered, 'recovered jobs left running by a previous run');

  const backend: Backend =
    'url' in config.backend
      ? (await import('./lmstudio/client')).createLmStudioClient({
          baseUrl: config.backend.url,
          apiToken: config.backend.apiToken ?? null,
          maxConcurrency: config.maxConcurrency ?? null,
          timeouts: { ...DEFAULT_TIMEOUTS, ...config.timeouts },
          refreshIntervalMs: 10_000,
          logger,
        })
      : config.backend;

  const index = new QueueIndex();
  const queue = new JobQueue(store, index);
  queue.restore(clock.now());
  const fair = new FairShare();
  const service = new ServiceModel();
  const params = (): PolicyParams => {
    const slots = Math.max(1, config.maxConcurrency ?? backend.state().slots);
    return {
      slots,
      laneCaps: laneCaps(slots, config.laneCaps),
      maxRunningPerOwner: config.maxRunningPerOwner ?? null,
      agingMs: (config.agingSeconds ?? 60) * 1000,
      switchBoundMs: (config.switchBoundSeconds ?? 60) * 1000,
    };
  };

  const jobChanged = (seq: number): void => {
    neo4jMirror?.noteProgress(seq);
    views.noteChange(seq);
    events.jobChanged(seq);
    parents.noteJobChanged(seq);
  };

  const idempotencyKeys = new IdempotencyStore(store.db);
  const callers = new JobCallers({ store, idempotencyKeys, clock, view: (record) => view(record), viewFresh: (record) => viewFresh(record) });
  const settings = new SettingsStore(store.db);
  // An admin's pause holds across restarts; `startPaused` (tests, tools) is for this run only.
  let paused = settings.get<boolean>(DISPATCH_PAUSED_SETTING) === true;
  let closing: Promise<void> | null = null;

  const dispatcher: Dispatcher = new Dispatcher({
    queue,
    backend,
    service,
    fair,
    params,
    clock,
    logger,
    instanceId: randomUUID(),
    retryBaseMs: config.retryBaseMs ?? 1_000,
    retryMaxMs: config.retryMaxMs ?? 60_000,
    modelMemoryBytes: config.modelMemoryBytes ?? null,
    pinnedModels: config.pinnedModels ?? [],
    sinks: (seq) => callers.sinksOf(seq),
    onJobChanged: (seq) => {
      jobChanged(seq);
      if (callers.isAwaited(seq) && !dispatcher.running.has(seq)) callers.settle(seq);
    },
    storageOk: () => storage.ok,
    isStorageFailure: (error) => storageStatusOf(error) !== null,
    onStorageFailure: (error) => storage.failed(error),
  });
  const storage: StorageGuard = new StorageGuard({
    path: dbPath,
    clock,
    logger,
    probe: () => store.transaction(() => settings.set(STORAGE_PROBE_SETTING, clock.now())),
    reconcile: () => {
      queue.reconcileWithStore(clock.now(), (seq) => dispatcher.running.has(seq));
      callers.forgetMissing();
      events.queueChanged();
    },
    changed: () => events.backendChanged(backendState()),
    resumed: () => dispatcher.wake(),
  });
  const views = new LiveJobViews({ index, dispatcher, fair, service, backend, params, clock });
  const learned = new LearnedState({ store, settings, service, calibration: views.calibration, clock });
  learned.restore();
  const { forecaster } = views;
  const view = (record: JobRecord): Job => views.view(record);
  const viewFresh = (record: JobRecord, budgeted = false): Job => views.viewFresh(record, budgeted);

  /** At shutdown: a queued job whose caller waits on a connection is canceled, and the caller told. */
  const sendAwayAttached = (): void =>
    callers.sendAwayAttached((record) => {
      queue.cancel(record, clock.now(), 'LM Queue shut down before this job ran; its caller was told to send it again');
      idempotencyKeys.forgetJob(record.id);
      jobChanged(record.seq);
    });

  const counts = (): QueueCounts => ({
    ...store.counts,
    queued: index.size,
    running: dispatcher.running.size,
    queuedByLane: { ...index.laneCounts },
    runningByLane: { ...dispatcher.runningView.byLane },
    queuedByPriority: Object.fromEntries(index.priorityCounts.map((n, p) => [String(p), n])),
    queuedChildren: parents.queuedChildren(),
  });

  const events = new EngineEvents({ store, index, views, saveLearned: () => learned.save(), logger, counts, paused: () => paused });

  const unsubscribeBackend = backend.subscribe((state: BackendState) => {
    dispatcher.backendChanged(state);
    events.backendChanged(backendState());
  });

  function applyPaused(value: boolean): void {
    paused = value;
    dispatcher.setPaused(value);
    events.queueChanged();
  }

  const purge = (): void => {
    idempotencyKeys.purgeExpired(clock.now());
    const removed = store.purgeFinished(clock.now() - (config.retentionDays ?? 7) * DAY_MS);
    if (removed > 0) logger.info({ removed }, 'purged finished jobs past retention');
  };
  purge();
  const retentionTimer = setInterval(purge, 3_600_000);
  retentionTimer.unref();

  const mustGet = (id: string): JobRecord => {
    const record = store.getById(id);
    if (!record) throw new LmqError('not_found', `no job with id ${id}`);
    return record;
  };
  const models = (): string[] => backend.state().models.map((m) => m.id);
  const parents = new ParentJobs({
    store,
    queue,
    forecaster,
    running: dispatcher.running,
    clock,
    logger,
    models,
    maxQueued: config.maxQueued ?? 1_000_000,
    defaultMaxAttempts: config.defaultMaxAttempts ?? 3,
    jobChanged,
    childSwept: (seq) => views.noteChange(seq),
    parentFinished: (seq) => {
      jobChanged(seq);
      callers.settle(seq);
    },
    queueChanged: () => events.queueChanged(),
    backlogged: (owner, hadQueued) => {
      if (!hadQueued) fair.onBacklogged(owner, index.owners());
    },
    abort: (seq) => dispatcher.abort(seq),
    wake: () => dispatcher.wake(),
  });
  views.parentView = (record, job) => parents.views.decorate(record, job);
  parents.finishedView = view;
  parents.restore();
  /** LM Studio's state with the memory picture only the scheduler knows. */
  const backendState = (): BackendState => ({
    ...backend.state(),
    memory: dispatcher.room.memory(),
    neo4j: neo4jMirror?.state() ?? null,
    storage: storage.state(dispatcher.unsavedResults),
  });
  neo4jMirror?.start({
    onStateChange: () => events.backendChanged(backendState()),
    liveProgress: (id) => {
      const record = store.getById(id);
      return record && views.view(record).progress;
    },
  });

  // Lazily bound to the engine below: a run submits as any caller does.
  const schedules = new Schedules({ db: store.db, transaction: (fn) => store.transaction(fn), submit: (request, options) => engine.submit(request, options),
    jobState: (id) => store.getById(id)?.state ?? null, parents: () => ({ batch: scheduledBatch, index: scheduledIndex }), tokens: () => engine.tokens, clock, logger });
  // In memory (tests), files still need a folder: a temporary one, removed at close.
  const filesDir = config.dataDir === null ? mkdtempSync(join(tmpdir(), 'lmq-files-')) : join(config.dataDir, 'files');
  const batches = new Batches({ db: store.db, transaction: (fn) => store.transaction(fn), parents: () => engine, filesDir, clock, logger });
  const scheduledBatch = scheduledBatchMaker(batches, (id) => engine.get(id));
  const indexStore = new IndexStore(store.db, store.openReader());
  const indexes = new Indexes({
    store: indexStore,
    transaction: (fn) => store.transaction(fn),
    engine: () => engine,
    roots: config.indexRoots ?? [],
    maxIndexJobs: config.maxIndexJobs ?? DEFAULT_MAX_INDEX_JOBS,
    maxFileBytes: config.maxIndexFileBytes ?? DEFAULT_MAX_INDEX_FILE_BYTES,
    workDir: config.dataDir === null ? null : join(config.dataDir, 'index-work'),
    clock,
    logger,
  });
  const scheduledIndex = scheduledIndexMaker(indexes);
  const engine: Engine = {
    tokens: new TokenStore(store.db),
    schedules,
    batches,
    indexes,

    submit(input, options: SubmitOptions) {
      // Validated at the edge (HTTP schema, IPC/invoke dispatcher); only the kind's own rules are checked here.
      const request = input;
      if (closing) throw new LmqError('shutting_down', 'LM Queue is shutting down', { retryAfterSeconds: 5 });
      storage.refuseWhileDown();
      const idempotency = options.idempotencyKey === undefined ? null : { key: options.idempotencyKey, hash: requestHash(request) };
      const replayed = idempotency && callers.replayIdempotent(options, idempotency.key, idempotency.hash);
      if (replayed) return replayed;
      JOB_KIND_DEFINITIONS[request.kind].validate(request.input);
      const available = models();
      if (available.length > 0 && !available.includes(request.model)) {
        throw new LmqError('unknown_model', `model "${request.model}" is not available; available: ${available.join(', ')}`, {
          details: { available },
        });
      }
      const maxQueued = config.maxQueued ?? 1_000_000;
      if (index.size >= maxQueued) {
        throw new LmqError('queue_full', `the queue is full (${maxQueued} jobs); try again later`, { retryAfterSeconds: 10 });
      }
      const ownerLimit = options.maxQueuedForOwner ?? config.maxQueuedPerOwner ?? null;
      const queuedForOwner = index.queuedForOwner(options.owner);
      if (ownerLimit !== null && queuedForOwner >= ownerLimit) {
        throw new LmqError('too_many_queued', `${options.owner} already has ${queuedForOwner} queued jobs (limit ${ownerLimit})`, {
          retryAfterSeconds: 10,
        });
      }
      const createdAt = clock.now();
      const definition = JOB_KIND_DEFINITIONS[request.kind];
      const record = queue.enqueue({
        kind: request.kind,
        model: request.model,
        owner: options.owner,
        priority: request.priority ?? DEFAULT_PRIORITY,
        lane: request.lane ?? 'interactive',
        maxAttempts: request.maxAttempts ?? config.defaultMaxAttempts ?? 3,
        createdAt,
        runAt: parseRunAt(request.runAt),
        promptTokens: definition.promptTokens(request.input),
        maxTokens: definition.maxTokens(request.input),
        input: request.input,
        metadata: request.metadata ?? null,
      });
      if (queuedForOwner === 0) fair.onBacklogged(options.owner, index.owners());
      callers.attach(record.seq, options);
      // Same commit as the job: the key is durable exactly when the job is.
      if (idempotency) idempotencyKeys.save(options.owner, idempotency.key, idempotency.hash, record.id, createdAt);
      jobChanged(record.seq);
      events.inserted(record);
      dispatcher.wake();
      return viewFresh(record, true);
    },

    get: (id) => viewFresh(mustGet(id)),

    result: (id) => JSON.parse(engine.resultJson(id)) as unknown,

    resultJson(id) {
      const row = store.resultTextById(id);
      if (!row) throw new LmqError('not_found', `no job with id ${id}`);
      if (row.state !== 'succeeded') throw new LmqError('invalid_state', `job ${id} is ${row.state}, not succeeded`);
      return row.result ?? 'null';
    },

    list(query) {
      const parsed = parseOrThrow(ListJobsQuerySchema, query);
      if (parsed.cursor !== undefined && !/^\d+$/.test(parsed.cursor)) {
        throw new LmqError('bad_request', 'cursor: not a cursor this server issued');
      }
      const page = store.history(parsed);
      return { jobs: page.records.map((r) => view(r)), nextCursor: page.nextCursor };
    },

    cancel(id, reason = 'canceled by request') {
      const record = mustGet(id);
      const now = clock.now();
      if (record.state !== 'queued' && record.state !== 'running') throw new LmqError('invalid_state', `job ${id} is already ${record.state}`);
      if (isParentKind(record.kind)) {
        parents.cancel(id, reason);
        dispatcher.wake();
        return view(mustGet(id));
      }
      // A write that fails for want of space is refused as such (503), the index put back as the disk has it.
      storage.guard(() => queue.cancel(record, now, reason));
      if (record.state === 'running') dispatcher.abort(record.seq);
      jobChanged(record.seq);
      callers.settle(record.seq);
      dispatcher.wake();
      return view(mustGet(id));
    },

    reprioritize(id, priority) {
      const record = mustGet(id);
      if (isParentKind(record.kind)) {
        parents.reprioritize(id, priority);
        return viewFresh(mustGet(id));
      }
      if (record.state !== 'queued') throw new LmqError('invalid_state', `job ${id} is ${record.state}; only queued jobs can be reprioritized`);
      storage.guard(() => queue.reprioritize(record.seq, priority, clock.now()));
      jobChanged(record.seq);
      dispatcher.wake();
      return viewFresh(mustGet(id));
    },

    retry(id, owner) {
      const record = mustGet(id);
      if (!FINISHED_STATES.includes(record.state)) throw new LmqError('invalid_state', `job ${id} is still ${record.state}`);
      if (isParentKind(record.kind)) throw new LmqError('invalid_state', `job ${id} is a parent job; make a new one to run its children again`);
      return engine.submit(
        {
          kind: record.kind,
          model: record.model,
          input: store.inputOf(record.seq) ?? {},
          priority: record.priority,
          lane: record.lane,
          maxAttempts: record.maxAttempts,
          metadata: { ...(record.metadata ?? {}), retryOf: record.id },
        },
        { owner: owner || record.owner },
      );
    },

    snapshot(query?: QueueSnapshotQuery): QueueSnapshot {
      const { offset, limit } = parseOrThrow(QueueSnapshotQuerySchema, query ?? {});
      // A parent's children stay behind it (the parents list, then jobs.list with `parent`).
      const page = parents.views.withoutChildren(forecaster.current()).slice(offset, offset + limit);
      const records = page.map((n) => store.getBySeq(n.seq)).filter((r): r is JobRecord => r !== null);
      const running = [...dispatcher.running.keys()]
        .map((seq) => store.getBySeq(seq))
        .filter((r): r is JobRecord => r !== null);
      return {
        running: running.map((r) => view(r)),
        queued: records.map((r) => view(r)),
        parents: parents.unfinishedIds().map((id) => view(mustGet(id))),
        offset,
        counts: counts(),
        backend: backendState(),
        paused,
        version: index.version,
        generatedAt: new Date(clock.now()).toISOString(),
      };
    },

    counts,
    backend: backendState,
    checkBackend: async () => {
      await backend.refresh();
      return backendState();
    },
    models,
    readBackend: (path) => backend.readThrough?.(path) ?? Promise.resolve({ status: 404, body: { error: `this backend cannot read ${path}` } }),
    paused: () => paused,

    setPaused(value) {
      storage.guard(() => store.transaction(() => settings.set(DISPATCH_PAUSED_SETTING, value)));
      applyPaused(value);
    },


    waitForFinish: (id) => callers.waitFor(mustGet(id)),

    durable: () => store.durable().catch((error: unknown) => Promise.reject(storage.explain(error))),

    on<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void) {
      return events.on(event, listener);
    },

    ...parentEngineMethods(parents, { view, mustGet }),

    close(options = {}) {
      closing ??= (async () => {
        schedules.stop();
        batches.stop();
        indexes.stop();
        parents.close();
        // Queued now means never started in this run; after the grace period, requeued.
        sendAwayAttached();
        await dispatcher.stop(options.graceMs ?? 10_000);
        sendAwayAttached();
        events.close();
        clearInterval(retentionTimer);
        storage.close();
        unsubscribeBackend();
        learned.save(true);
        await backend.close();
        await neo4jMirror?.close();
        indexStore.close();
        await store.close();
        if (config.dataDir === null) rmSync(filesDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
  if (config.startPaused || paused) applyPaused(true);
  dispatcher.wake();
  schedules.start();
  batches.start();
  indexes.start();
  return engine;
}
