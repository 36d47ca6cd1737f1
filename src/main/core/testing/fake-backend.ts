import type { BackendState } from '../../../shared/backend';
import type { Backend, BackendRequest, RunCallbacks, RunOutcome } from '../backend';
import { BackendError, type BackendErrorCode } from '../lmstudio/errors';
import type { FakeClock } from './fake-clock';

export interface FakeRun {
  request: BackendRequest;
  startedAt: number;
  finishAt: number;
  callbacks: RunCallbacks;
  resolve: (outcome: RunOutcome) => void;
  reject: (error: unknown) => void;
}

export interface FakeBackendOptions {
  models: string[];
  slots: number;
  /** Service time of a request on the fake clock. */
  serviceMs?: (request: BackendRequest) => number;
  loadMs?: number;
  outputTokens?: (request: BackendRequest) => number;
}

/**
 * A backend on a fake clock that checks the engine's promises from the outside: it records the
 * most requests in flight, any load that overlapped requests or another load, and every
 * request it served, so tests can assert the engine never broke them.
 */
export class FakeBackend implements Backend {
  readonly inFlight = new Map<string, FakeRun>();
  readonly served: { jobId: string; model: string; startedAt: number; finishedAt: number }[] = [];
  readonly violations: string[] = [];
  readonly loads: { model: string; at: number }[] = [];
  maxInFlight = 0;
  /** Called as each request arrives, before it is counted (tests inspect the engine here). */
  onRun: ((request: BackendRequest) => void) | null = null;
  private loading = 0;
  private failures: BackendErrorCode[] = [];
  private listeners = new Set<(state: BackendState) => void>();
  private current: BackendState;

  constructor(
    private readonly clock: FakeClock,
    private readonly options: FakeBackendOptions,
  ) {
    this.current = {
      url: 'fake://lmstudio',
      status: 'up',
      loadedModel: null,
      slots: options.slots,
      models: options.models.map((id) => ({ id, type: 'llm', loaded: false, parallel: options.slots })),
      lastError: null,
      since: new Date(clock.now()).toISOString(),
      retryAt: null,
    };
  }

  /** The next requests fail with these codes, in order. */
  failNext(...codes: BackendErrorCode[]): void {
    this.failures.push(...codes);
  }

  setStatus(status: BackendState['status']): void {
    this.update({ status, since: new Date(this.clock.now()).toISOString() });
  }

  run(request: BackendRequest, callbacks: RunCallbacks): Promise<RunOutcome> {
    this.onRun?.(request);
    if (this.inFlight.has(request.jobId)) this.violations.push(`job ${request.jobId} sent twice at once`);
    if (this.loading > 0) this.violations.push(`request ${request.jobId} sent during a model load`);
    if (request.model !== this.current.loadedModel) {
      this.violations.push(`request ${request.jobId} for ${request.model} while ${this.current.loadedModel} is loaded`);
    }
    if (this.current.status === 'down') return Promise.reject(new BackendError('unreachable', 'fake backend is down'));
    const failure = this.failures.shift();
    if (failure) return Promise.reject(new BackendError(failure, `injected ${failure}`));
    const startedAt = this.clock.now();
    const finishAt = startedAt + (this.options.serviceMs?.(request) ?? 1_000);
    return new Promise<RunOutcome>((resolve, reject) => {
      const run: FakeRun = { request, startedAt, finishAt, callbacks, resolve, reject };
      this.inFlight.set(request.jobId, run);
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
      if (this.inFlight.size > this.current.slots) this.violations.push(`${this.inFlight.size} requests in flight`);
      const finish = (): void => {
        // Only this run's own timer may finish it (a retried job reuses its id).
        if (this.inFlight.get(request.jobId) !== run) return;
        this.inFlight.delete(request.jobId);
        const completionTokens = this.options.outputTokens?.(request) ?? 100;
        const durationMs = this.clock.now() - startedAt;
        this.served.push({ jobId: request.jobId, model: request.model, startedAt, finishedAt: this.clock.now() });
        resolve({
          body: { id: `fake-${request.jobId}`, object: 'chat.completion', model: request.model, choices: [] },
          usage: { promptTokens: 10, completionTokens, totalTokens: 10 + completionTokens },
          stats: { promptTokens: 10, completionTokens, tokensPerSecond: null, timeToFirstTokenMs: null, durationMs },
        });
      };
      const timer = this.clock.setTimeout(finish, finishAt - startedAt);
      callbacks.signal.addEventListener(
        'abort',
        () => {
          if (this.inFlight.get(request.jobId) !== run) return;
          this.inFlight.delete(request.jobId);
          this.clock.clearTimeout(timer);
          reject(new BackendError('aborted', 'aborted'));
        },
        { once: true },
      );
    });
  }

  async loadModel(model: string, signal: AbortSignal): Promise<void> {
    if (this.inFlight.size > 0) this.violations.push(`load of ${model} with ${this.inFlight.size} requests in flight`);
    if (this.loading > 0) this.violations.push(`load of ${model} during another load`);
    this.loading++;
    this.loads.push({ model, at: this.clock.now() });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = this.clock.setTimeout(resolve, this.options.loadMs ?? 2_000);
        signal.addEventListener('abort', () => {
          this.clock.clearTimeout(timer);
          reject(new BackendError('aborted', 'load aborted'));
        });
      });
    } finally {
      this.loading--;
    }
    this.update({
      loadedModel: model,
      models: this.current.models.map((m) => ({ ...m, loaded: m.id === model })),
    });
  }

  state(): BackendState {
    return this.current;
  }

  subscribe(listener: (state: BackendState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refresh(): Promise<BackendState> {
    return this.current;
  }

  async close(): Promise<void> {}

  private update(patch: Partial<BackendState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener(this.current);
  }
}
