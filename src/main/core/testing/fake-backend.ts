import { embeddingVector } from '../../../../tools/lmstudio-sim/text-generator';
import type { BackendState } from '../../../shared/backend';
import { isEmbeddingKind } from '../../../shared/job';
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

export interface FakeModel {
  id: string;
  type?: 'llm' | 'embedding';
  /** Default 4 GB for an LLM, 0.1 GB for an embedding model. */
  sizeBytes?: number;
  /** Parallel slots of its instance (default: `slots`). */
  parallel?: number;
}

export interface FakeBackendOptions {
  models: (string | FakeModel)[];
  /** Parallel slots of each loaded instance unless the model says otherwise. */
  slots: number;
  /** Resident at start. */
  resident?: string[];
  /** The machine's memory for models: a load past it is a violation (default: unlimited). */
  memoryBytes?: number;
  /** Models the engine was told never to unload (an unload of one is a violation). */
  pinned?: string[];
  /** Whether it has LM Studio's REST load endpoint (default true). */
  canLoadAlongside?: boolean;
  /** Service time of a request on the fake clock. */
  serviceMs?: (request: BackendRequest) => number;
  loadMs?: number;
  outputTokens?: (request: BackendRequest) => number;
  /** Length of the vectors an embeddings request answers with (default 16, as the simulator's). */
  embeddingDimensions?: number;
}

/** What the backend answers: an OpenAI embeddings list for embedding kinds (the simulator's vectors), else an empty chat body. */
function answerBody(request: BackendRequest, dimensions: number): Record<string, unknown> {
  if (!isEmbeddingKind(request.kind)) return { id: `fake-${request.jobId}`, object: 'chat.completion', model: request.model, choices: [] };
  const input = request.body.input;
  const texts = Array.isArray(input) ? input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [String(input ?? '')];
  return {
    object: 'list',
    data: texts.map((text, index) => ({ object: 'embedding', index, embedding: embeddingVector(text, 0, dimensions) })),
    model: request.model,
    usage: { prompt_tokens: 10, total_tokens: 10 },
  };
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
  readonly unloads: { model: string; at: number }[] = [];
  maxInFlight = 0;
  maxMemoryBytes = 0;
  /** Called as each request arrives, before it is counted (tests inspect the engine here). */
  onRun: ((request: BackendRequest) => void) | null = null;
  private loading = 0;
  private readonly catalog: Required<FakeModel>[];
  private failures: BackendErrorCode[] = [];
  private listeners = new Set<(state: BackendState) => void>();
  private current: BackendState;

  constructor(
    private readonly clock: FakeClock,
    private readonly options: FakeBackendOptions,
  ) {
    this.catalog = options.models.map((m) => {
      const model = typeof m === 'string' ? { id: m } : m;
      const type = model.type ?? (/embed/i.test(model.id) ? 'embedding' : 'llm');
      return { id: model.id, type, sizeBytes: model.sizeBytes ?? (type === 'llm' ? 4e9 : 1e8), parallel: model.parallel ?? options.slots };
    });
    this.current = {
      url: 'fake://lmstudio',
      status: 'up',
      loadedModel: null,
      resident: [],
      canLoadAlongside: options.canLoadAlongside ?? true,
      slots: options.slots,
      models: [],
      lastError: null,
      since: new Date(clock.now()).toISOString(),
      retryAt: null,
    };
    this.setResident(options.resident ?? []);
  }

  /** The models resident now. */
  residentModels(): string[] {
    return this.current.resident.map((i) => i.model);
  }

  /** Someone loads or unloads models in LM Studio's own UI. */
  setResident(models: string[]): void {
    const resident = models.map((id) => {
      const m = this.catalog.find((c) => c.id === id)!;
      return { model: id, instanceId: id, parallel: m.parallel, contextLength: 4096, sizeBytes: m.sizeBytes };
    });
    const memory = resident.reduce((sum, i) => sum + i.sizeBytes, 0);
    this.maxMemoryBytes = Math.max(this.maxMemoryBytes, memory);
    if (this.options.memoryBytes !== undefined && memory > this.options.memoryBytes) {
      this.violations.push(`${memory} bytes of models resident, over the machine's ${this.options.memoryBytes}`);
    }
    const slots = resident.reduce((sum, i) => sum + i.parallel, 0) || this.options.slots;
    this.update({
      resident,
      slots,
      loadedModel: resident.find((i) => this.catalog.find((c) => c.id === i.model)?.type === 'llm')?.model ?? resident[0]?.model ?? null,
      models: this.catalog.map((m) => ({ id: m.id, type: m.type, loaded: models.includes(m.id), parallel: models.includes(m.id) ? m.parallel : null, sizeBytes: m.sizeBytes })),
    });
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
    // Preempted or canceled before it went out: the engine should not have sent it. Rejected at
    // once, as fetch does, so the run ends instead of waiting for an abort that already happened.
    if (callbacks.signal.aborted) {
      this.violations.push(`request ${request.jobId} sent after it was aborted`);
      return Promise.reject(new BackendError('aborted', 'aborted before it was sent'));
    }
    if (this.inFlight.has(request.jobId)) this.violations.push(`job ${request.jobId} sent twice at once`);
    if (this.loading > 0 && !this.current.canLoadAlongside) this.violations.push(`request ${request.jobId} sent during a just-in-time load`);
    if (!this.residentModels().includes(request.model)) {
      this.violations.push(`request ${request.jobId} for ${request.model} while ${this.residentModels().join(', ') || 'nothing'} is resident`);
    }
    const ofModel = [...this.inFlight.values()].filter((r) => r.request.model === request.model).length;
    const parallel = this.catalog.find((c) => c.id === request.model)?.parallel ?? this.options.slots;
    if (ofModel >= parallel) this.violations.push(`request ${request.jobId}: ${ofModel + 1} requests in flight on ${request.model} (${parallel} slots)`);
    if (this.current.status === 'down') return Promise.reject(new BackendError('unreachable', 'fake backend is down'));
    const failure = this.failures.shift();
    if (failure) return Promise.reject(new BackendError(failure, `injected ${failure}`));
    const startedAt = this.clock.now();
    const finishAt = startedAt + (this.options.serviceMs?.(request) ?? 1_000);
    return new Promise<RunOutcome>((resolve, reject) => {
      const run: FakeRun = { request, startedAt, finishAt, callbacks, resolve, reject };
      this.inFlight.set(request.jobId, run);
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
      if (this.inFlight.size > this.current.slots) this.violations.push(`${this.inFlight.size} requests in flight (${this.current.slots} slots)`);
      const finish = (): void => {
        // Only this run's own timer may finish it (a retried job reuses its id).
        if (this.inFlight.get(request.jobId) !== run) return;
        this.inFlight.delete(request.jobId);
        const completionTokens = this.options.outputTokens?.(request) ?? 100;
        const durationMs = this.clock.now() - startedAt;
        this.served.push({ jobId: request.jobId, model: request.model, startedAt, finishedAt: this.clock.now() });
        resolve({
          body: answerBody(request, this.options.embeddingDimensions ?? 16),
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
    if (this.residentModels().includes(model)) this.violations.push(`load of ${model}, which is resident already (a second instance)`);
    if (!this.current.canLoadAlongside && this.inFlight.size > 0) this.violations.push(`just-in-time load of ${model} with ${this.inFlight.size} requests in flight`);
    await this.busyFor(`load of ${model}`, this.options.loadMs ?? 2_000, signal);
    this.loads.push({ model, at: this.clock.now() });
    // Without a load API, LM Studio's auto-evict keeps one just-in-time model.
    this.setResident(this.current.canLoadAlongside ? [...this.residentModels(), model] : [model]);
  }

  async unloadModel(model: string, signal: AbortSignal): Promise<void> {
    const inFlight = [...this.inFlight.values()].filter((r) => r.request.model === model).length;
    if (inFlight > 0) this.violations.push(`unload of ${model} with ${inFlight} of its requests in flight`);
    if (this.options.pinned?.includes(model)) this.violations.push(`unload of pinned ${model}`);
    if (!this.current.canLoadAlongside) this.violations.push(`unload of ${model} without a load API`);
    await this.busyFor(`unload of ${model}`, 10, signal);
    this.unloads.push({ model, at: this.clock.now() });
    this.setResident(this.residentModels().filter((m) => m !== model));
  }

  /** A load or unload takes `ms`; two at once is a violation. */
  private async busyFor(what: string, ms: number, signal: AbortSignal): Promise<void> {
    if (this.loading > 0) this.violations.push(`${what} during another load or unload`);
    this.loading++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = this.clock.setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          this.clock.clearTimeout(timer);
          reject(new BackendError('aborted', `${what} aborted`));
        });
      });
    } finally {
      this.loading--;
    }
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
