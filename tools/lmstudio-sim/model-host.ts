/**
 * The simulated GPU: a set of loaded model instances under a memory budget, each with its own
 * parallel slots (continuous batching), all sharing one GPU's throughput; JIT loading with LM
 * Studio's auto-evict; one load at a time; and everything a client can do wrong recorded.
 */
import { raceAbort, settled, SimAbortError, sleepReal } from './abortable';
import { startingModels, type SimModel, type SimulatorOptions } from './options';
import type { CutOffReason, LoadReason, RequestRecord, SimRecorder, UnloadReason } from './sim-record';

export interface Slot {
  model: string;
  instanceId: string;
  /** Aborted when the instance is unloaded or evicted under this request. */
  readonly evicted: AbortSignal;
}

/** How an instance came to be loaded: JIT-loaded ones are what auto-evict replaces; the others stay. */
export type LoadedBy = 'jit' | 'rest' | 'start';

export interface InstanceView {
  instanceId: string;
  model: string;
  parallel: number;
  sizeBytes: number;
  loadedBy: LoadedBy;
  /** Requests holding one of its slots. */
  active: number;
}

interface Instance {
  id: string;
  model: SimModel;
  loadedBy: LoadedBy;
  active: Set<ActiveSlot>;
  lastUsedAt: number;
}

interface ActiveSlot extends Slot {
  instance: Instance;
  request: RequestRecord;
  controller: AbortController;
}

interface LoadInProgress {
  model: string;
  sizeBytes: number;
  done: Promise<Instance>;
  startedAt: number;
  durationMs: number;
}

/** How far (0..1) the load a request waits for has come. */
export type LoadProgressListener = (fraction: number) => void;

/** A load that does not fit the memory budget (LM Studio's guardrail refusal). */
export class InsufficientMemoryError extends Error {
  constructor(model: string, neededBytes: number, freeBytes: number, budgetBytes: number) {
    const gb = (bytes: number): string => (bytes / 1e9).toFixed(2);
    super(
      `Failed to load model "${model}": insufficient memory (needs ${gb(neededBytes)} GB, ${gb(Math.max(0, freeBytes))} GB free of ` +
        `${gb(budgetBytes)} GB). Model loading aborted due to insufficient system resources.`,
    );
    this.name = 'InsufficientMemoryError';
  }
}

const CUT_OFF_REASON: Record<UnloadReason, CutOffReason> = { rest: 'unload', 'jit-evict': 'jit-evict', 'memory-evict': 'memory-evict' };

export class ModelHost {
  /** Loaded instances in load order. */
  private readonly loaded: Instance[] = [];
  private loading: LoadInProgress | null = null;
  /** Every request holding a slot, on any instance (also one draining after an eviction that let it finish). */
  private readonly active = new Set<ActiveSlot>();
  /** Woken (all of them, in arrival order) whenever a slot frees or the loaded set changes. */
  private waiters: Array<() => void> = [];
  private waitingCount = 0;
  /** Cancels pending load timers when the simulator closes. */
  private readonly shutdownController = new AbortController();

  constructor(
    private readonly options: SimulatorOptions,
    private readonly recorder: SimRecorder,
  ) {
    for (const id of startingModels(options)) {
      const loadedBy: LoadedBy = options.initialLoaded.includes(id) ? 'start' : 'jit';
      this.loaded.push({ id, model: this.spec(id), loadedBy, active: new Set(), lastUsedAt: Date.now() });
    }
    this.sample();
  }

  /** The most recently loaded model: the single-model view. */
  get loadedModel(): string | null {
    return this.loaded.at(-1)?.model.id ?? null;
  }

  get activeCount(): number {
    return this.active.size;
  }

  get loadingModel(): string | null {
    return this.loading?.model ?? null;
  }

  instances(): InstanceView[] {
    return this.loaded.map(view);
  }

  isLoaded(model: string): boolean {
    return this.loaded.some((i) => i.model.id === model);
  }

  /** Bytes taken by loaded instances and the one loading. */
  memoryInUse(): number {
    return this.loaded.reduce((sum, i) => sum + i.model.sizeBytes, 0) + (this.loading?.sizeBytes ?? 0);
  }

  /** Real milliseconds for a simulated duration. */
  scaled(simulatedMs: number): number {
    return simulatedMs * this.options.timeScale;
  }

  /**
   * Simulated tokens/s one request gets right now. Every request holding a slot on any instance
   * (embeddings too, each counting as one) shares the GPU: with n of them, each runs at
   * tokensPerSecond * n^(batchExponent-1).
   */
  perRequestTokensPerSecond(): number {
    const n = Math.max(1, this.active.size);
    return this.options.tokensPerSecond * Math.pow(n, this.options.batchExponent - 1);
  }

  /**
   * Waits until an instance of `model` has a free slot, loading it just in time if none is
   * loaded; beyond the slots requests wait silently, as in LM Studio.
   */
  async acquire(model: string, request: RequestRecord, signal: AbortSignal, onLoadProgress?: LoadProgressListener): Promise<Slot> {
    this.waitingCount++;
    this.sample();
    try {
      for (;;) {
        if (signal.aborted) throw new SimAbortError();
        const instance = this.freeInstanceOf(model);
        if (instance) return this.take(instance, request);
        if (this.isLoaded(model)) await this.waitForChange(signal);
        else await this.loadJustInTime(model, signal, onLoadProgress);
      }
    } finally {
      this.waitingCount--;
      this.sample();
    }
  }

  release(slot: Slot): void {
    const active = slot as ActiveSlot;
    active.instance.active.delete(active);
    active.instance.lastUsedAt = Date.now();
    if (this.active.delete(active)) this.wakeAll();
    this.sample();
  }

  /**
   * POST /api/v1/models/load: a new instance beside the others (a duplicate when the model is
   * already loaded, as LM Studio makes), refused when it does not fit. Waits for a load in progress.
   */
  async loadThroughRest(model: string, signal?: AbortSignal): Promise<InstanceView> {
    for (;;) {
      if (signal?.aborted) throw new SimAbortError();
      const loading = this.loading;
      if (!loading) return view(await raceAbort(this.startLoad(model, 'rest'), signal));
      this.recorder.addConcurrentLoad({ at: Date.now(), loading: loading.model, requested: model });
      await raceAbort(settled(loading.done), signal);
    }
  }

  /** POST /api/v1/models/unload: its in-flight requests are cut off. */
  unload(instanceId: string): boolean {
    const instance = this.loaded.find((i) => i.id === instanceId);
    if (!instance) return false;
    const inFlight = this.evict(instance, 'rest');
    this.recorder.addSwitch({ from: instance.model.id, to: null, at: Date.now(), reason: 'unload', inFlightOfPrevious: inFlight });
    this.wakeAll();
    this.sample();
    return true;
  }

  /** Stops pending loads and cuts off everyone (the simulator is closing). */
  shutdown(): void {
    this.shutdownController.abort();
    for (const slot of this.active) slot.controller.abort();
    this.active.clear();
    this.wakeAll();
  }

  /** Resolves after `simulatedMs` (scaled), or rejects when a signal aborts first. */
  sleep(simulatedMs: number, ...signals: AbortSignal[]): Promise<void> {
    return sleepReal(this.scaled(simulatedMs), ...signals);
  }

  sample(): void {
    this.recorder.sample(this.active.size, this.waitingCount, this.loaded.map((i) => i.model.id), this.memoryInUse());
  }

  private spec(id: string): SimModel {
    const model = this.options.modelSpecs.find((m) => m.id === id);
    if (!model) throw new Error(`unknown model ${id}`);
    return model;
  }

  /** The instance of `model` with the most free slots, if any has one. */
  private freeInstanceOf(model: string): Instance | undefined {
    let best: Instance | undefined;
    for (const instance of this.loaded) {
      if (instance.model.id !== model || instance.active.size >= instance.model.parallel) continue;
      if (!best || instance.model.parallel - instance.active.size > best.model.parallel - best.active.size) best = instance;
    }
    return best;
  }

  private take(instance: Instance, request: RequestRecord): Slot {
    const controller = new AbortController();
    const slot: ActiveSlot = { model: instance.model.id, instanceId: instance.id, evicted: controller.signal, instance, request, controller };
    instance.active.add(slot);
    instance.lastUsedAt = Date.now();
    this.active.add(slot);
    return slot;
  }

  /** One step towards having `model` loaded: wait for the load in progress, or start a JIT load. */
  private async loadJustInTime(model: string, signal: AbortSignal, onLoadProgress?: LoadProgressListener): Promise<void> {
    const loading = this.loading;
    if (!loading) {
      const done = this.startLoad(model, 'jit');
      await raceAbort(this.reportLoad(this.loading, done, onLoadProgress), signal);
      return;
    }
    if (loading.model === model) {
      await raceAbort(this.reportLoad(loading, settled(loading.done), onLoadProgress), signal);
      return;
    }
    this.recorder.addConcurrentLoad({ at: Date.now(), loading: loading.model, requested: model });
    await raceAbort(settled(loading.done), signal);
    // Let the requests that wanted that model take their slots before a JIT load for another
    // model evicts it; otherwise two requests for different models would evict each other forever.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Tells a request that waits for its model's load how far the load is (LM Studio's native
   * chat streams this as model_load.progress): 0 now, then each quarter of the load time, then 1.
   */
  private async reportLoad<T>(loading: LoadInProgress | null, done: Promise<T>, onLoadProgress?: LoadProgressListener): Promise<T> {
    if (!onLoadProgress || !loading) return done;
    const fraction = (): number => (loading.durationMs > 0 ? Math.min(0.99, (Date.now() - loading.startedAt) / loading.durationMs) : 0.99);
    onLoadProgress(fraction());
    const timer = setInterval(() => onLoadProgress(fraction()), Math.max(1, loading.durationMs / 4));
    try {
      const result = await done;
      onLoadProgress(1);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Makes room (JIT only: auto-evict, then least recently used until it fits), reserves the
   * memory and starts the load. Throws InsufficientMemoryError when it cannot fit.
   */
  private startLoad(modelId: string, reason: LoadReason): Promise<Instance> {
    const model = this.spec(modelId);
    const budget = this.options.memoryBytes;
    const free = (): number => budget - this.memoryInUse();
    const unloaded: Array<{ model: string; inFlight: number }> = [];
    const evict = (instance: Instance, why: UnloadReason): void => void unloaded.push({ model: instance.model.id, inFlight: this.evict(instance, why) });
    if (reason === 'jit' && model.sizeBytes <= budget) {
      if (this.options.jitAutoEvict) for (const instance of this.loaded.filter((i) => i.loadedBy === 'jit')) evict(instance, 'jit-evict');
      for (let victim = this.leastRecentlyUsed(); free() < model.sizeBytes && victim; victim = this.leastRecentlyUsed()) evict(victim, 'memory-evict');
    }
    if (free() < model.sizeBytes) {
      this.recorder.addRefusedLoad({ model: modelId, reason, at: Date.now(), neededBytes: model.sizeBytes, freeBytes: free() });
      if (unloaded.length > 0) this.wakeAll();
      return Promise.reject(new InsufficientMemoryError(modelId, model.sizeBytes, free(), budget));
    }
    const inFlight = unloaded.reduce((sum, u) => sum + u.inFlight, 0);
    this.recorder.addSwitch({ from: unloaded[0]?.model ?? null, to: modelId, at: Date.now(), reason: reason === 'jit' ? 'jit' : 'load', inFlightOfPrevious: inFlight });
    const instanceId = this.nextInstanceId(modelId);
    if (this.isLoaded(modelId)) this.recorder.addDuplicateInstance({ model: modelId, instanceId, at: Date.now() });
    const entry = this.recorder.addLoad({ model: modelId, instanceId, reason, startedAt: Date.now(), finishedAt: null });
    // A load, once started, completes even if the request that caused it goes away (as in LM Studio).
    const durationMs = this.scaled(this.options.loadSeconds * 1000);
    const done = sleepReal(durationMs, this.shutdownController.signal).then(() => {
      entry.finishedAt = Date.now();
      const instance: Instance = { id: instanceId, model, loadedBy: reason, active: new Set(), lastUsedAt: Date.now() };
      this.loaded.push(instance);
      this.loading = null;
      this.wakeAll();
      this.sample();
      return instance;
    });
    // Callers may have gone; a load cancelled by shutdown must not surface as unhandled.
    done.catch(() => undefined);
    this.loading = { model: modelId, sizeBytes: model.sizeBytes, done, startedAt: Date.now(), durationMs };
    this.wakeAll();
    this.sample();
    return done;
  }

  /** Idle instances first, least recently used first; a busy one only when no idle one is left. */
  private leastRecentlyUsed(): Instance | undefined {
    let best: Instance | undefined;
    for (const instance of this.loaded) {
      if (!best) best = instance;
      const busy = instance.active.size > 0;
      const bestBusy = best.active.size > 0;
      if (busy !== bestBusy ? !busy : instance.lastUsedAt < best.lastUsedAt) best = instance;
    }
    return best;
  }

  /** LM Studio's ids: the model key, then `key:2`, `key:3` for further instances. */
  private nextInstanceId(model: string): string {
    const taken = new Set(this.loaded.map((i) => i.id));
    if (!taken.has(model)) return model;
    let n = 2;
    while (taken.has(`${model}:${n}`)) n++;
    return `${model}:${n}`;
  }

  /** Removes the instance; returns how many requests were generating on it. */
  private evict(instance: Instance, reason: UnloadReason): number {
    const index = this.loaded.indexOf(instance);
    if (index >= 0) this.loaded.splice(index, 1);
    const inFlight = instance.active.size;
    const cutOffRequestIds: string[] = [];
    if (reason === 'rest' || this.options.evictOnSwitch) {
      const at = Date.now();
      for (const slot of instance.active) {
        const { request } = slot;
        request.evicted = true;
        request.cutOffReason = CUT_OFF_REASON[reason];
        cutOffRequestIds.push(request.clientRequestId ?? request.id);
        this.recorder.addCutOff({ id: request.id, clientRequestId: request.clientRequestId, model: instance.model.id, instanceId: instance.id, reason: CUT_OFF_REASON[reason], at });
        this.active.delete(slot);
        slot.controller.abort();
      }
      instance.active.clear();
    }
    this.recorder.addUnload({ model: instance.model.id, instanceId: instance.id, reason, at: Date.now(), inFlight, cutOffRequestIds });
    return inFlight;
  }

  private waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new SimAbortError());
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function view(instance: Instance): InstanceView {
  return {
    instanceId: instance.id,
    model: instance.model.id,
    parallel: instance.model.parallel,
    sizeBytes: instance.model.sizeBytes,
    loadedBy: instance.loadedBy,
    active: instance.active.size,
  };
}
