/**
 * The simulated GPU: one model in memory at a time, a fixed number of parallel slots with
 * continuous batching, JIT switching, and everything a naive client can do wrong recorded.
 */
import type { SimulatorOptions } from './options';
import type { SimRecorder } from './sim-record';

export interface Slot {
  model: string;
  /** Aborted when the model is evicted under this request. */
  readonly evicted: AbortSignal;
}

interface ActiveSlot extends Slot {
  evict(): void;
}

interface LoadInProgress {
  model: string;
  done: Promise<void>;
}

export class SimAbortError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'SimAbortError';
  }
}

export class ModelHost {
  loadedModel: string | null;
  private loading: LoadInProgress | null = null;
  private readonly active = new Set<ActiveSlot>();
  /** Woken (all of them, in arrival order) whenever a slot frees or the loaded model changes. */
  private waiters: Array<() => void> = [];
  private waitingCount = 0;
  /** Cancels pending load timers when the simulator closes. */
  private readonly shutdownController = new AbortController();

  constructor(
    private readonly options: SimulatorOptions,
    private readonly recorder: SimRecorder,
  ) {
    this.loadedModel = options.initialModel;
  }

  get activeCount(): number {
    return this.active.size;
  }

  get loadingModel(): string | null {
    return this.loading?.model ?? null;
  }

  /** Real milliseconds for a simulated duration. */
  scaled(simulatedMs: number): number {
    return simulatedMs * this.options.timeScale;
  }

  /** Simulated tokens/s one request gets right now; falls as more slots are busy. */
  perRequestTokensPerSecond(): number {
    const n = Math.max(1, this.active.size);
    return this.options.tokensPerSecond * Math.pow(n, this.options.batchExponent - 1);
  }

  /**
   * Waits until `model` is loaded (loading it just in time if needed) and a slot is free, like
   * LM Studio does silently for requests beyond its slot count.
   */
  async acquire(model: string, signal: AbortSignal): Promise<Slot> {
    this.waitingCount++;
    this.sample();
    try {
      for (;;) {
        if (signal.aborted) throw new SimAbortError();
        await this.ensureLoaded(model, 'jit', signal);
        if (this.loadedModel === model && !this.loading && this.active.size < this.options.parallel) {
          const controller = new AbortController();
          const slot: ActiveSlot = { model, evicted: controller.signal, evict: () => controller.abort() };
          this.active.add(slot);
          return slot;
        }
        if (this.loadedModel === model && !this.loading) await this.waitForChange(signal);
      }
    } finally {
      this.waitingCount--;
      this.sample();
    }
  }

  release(slot: Slot): void {
    if (this.active.delete(slot as ActiveSlot)) this.wakeAll();
    this.sample();
  }

  /** Makes `model` the loaded one. Concurrent loads of other models are recorded, then serialized. */
  async ensureLoaded(model: string, reason: 'jit' | 'load', signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new SimAbortError();
      const loading = this.loading;
      if (loading) {
        if (loading.model !== model) {
          this.recorder.addConcurrentLoad({ at: Date.now(), loading: loading.model, requested: model });
        }
        await raceAbort(loading.done, signal);
        // Let the requests that wanted that model take their slots before we switch away;
        // otherwise two requests for different models would evict each other forever.
        if (loading.model !== model) await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.loadedModel === model) return;
      await raceAbort(this.startLoad(model, reason), signal);
    }
  }

  unload(model: string): boolean {
    if (this.loadedModel !== model) return false;
    const inFlight = this.evictAll();
    this.recorder.addSwitch({ from: model, to: null, at: Date.now(), reason: 'unload', inFlightOfPrevious: inFlight });
    this.loadedModel = null;
    this.wakeAll();
    this.sample();
    return true;
  }

  /** Stops pending loads and evicts everyone (the simulator is closing). */
  shutdown(): void {
    this.shutdownController.abort();
    this.evictAll();
    this.wakeAll();
  }

  /** Resolves after `simulatedMs` (scaled), or rejects when a signal aborts first. */
  sleep(simulatedMs: number, ...signals: AbortSignal[]): Promise<void> {
    return sleepReal(this.scaled(simulatedMs), ...signals);
  }

  sample(): void {
    this.recorder.sample(this.active.size, this.waitingCount, this.loadedModel);
  }

  private startLoad(model: string, reason: 'jit' | 'load'): Promise<void> {
    const previous = this.loadedModel;
    const inFlight = this.options.evictOnSwitch ? this.evictAll() : this.active.size;
    this.recorder.addSwitch({ from: previous, to: model, at: Date.now(), reason, inFlightOfPrevious: inFlight });
    this.loadedModel = null;
    const entry = this.recorder.addLoad({ model, reason, startedAt: Date.now(), finishedAt: null });
    // A load, once started, completes even if the request that caused it goes away (as in LM Studio).
    const done = sleepReal(this.scaled(this.options.loadSeconds * 1000), this.shutdownController.signal).then(() => {
      entry.finishedAt = Date.now();
      this.loadedModel = model;
      this.loading = null;
      this.wakeAll();
      this.sample();
    });
    // Callers may have gone; a load cancelled by shutdown must not surface as unhandled.
    done.catch(() => undefined);
    this.loading = { model, done };
    this.sample();
    return done;
  }

  private evictAll(): number {
    const count = this.active.size;
    for (const slot of this.active) slot.evict();
    this.active.clear();
    return count;
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

export function sleepReal(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signals.some((s) => s.aborted)) {
      reject(new SimAbortError());
      return;
    }
    const cleanup = (): void => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      clearTimeout(timer);
      cleanup();
      reject(new SimAbortError());
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve();
    }, ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

function raceAbort(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new SimAbortError());
      return;
    }
    const onAbort = (): void => reject(new SimAbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
