/** Simulator settings, their defaults, and the fault-injection vocabulary. */

export type SimModelType = 'llm' | 'embedding';

/** A model as the simulator knows it, every field resolved. */
export interface SimModel {
  id: string;
  type: SimModelType;
  /** Memory one loaded instance takes (`size_bytes` in the v1 listing). */
  sizeBytes: number;
  /** Slots of each loaded instance (`loaded_instances[].config.parallel`). */
  parallel: number;
}

/** A model as given: a plain id (type from its name, default size and slots) or some fields spelled out. */
export type SimModelInput = string | { id: string; type?: SimModelType; sizeBytes?: number; parallel?: number };

/** Default sizes: a 7-8B LLM at Q4 and a small embedding model. */
export const DEFAULT_LLM_BYTES = 4_000_000_000;
export const DEFAULT_EMBEDDING_BYTES = 100_000_000;

/** Faults to inject. Counters apply to the next N inference requests (chat, completion, embedding). */
export interface Injection {
  /** Next N requests answer HTTP 500 at once. */
  fail500?: number;
  /** Next N requests answer "model is still loading" (HTTP 503). */
  modelLoading?: number;
  /** Next N requests answer HTTP 200 with a string `error` field, as LM Studio sometimes does. */
  errorIn200?: number;
  /** Next N streams stop after `afterTokens` tokens for `ms` real ms (default: until the client leaves). */
  stall?: { count: number; afterTokens?: number; ms?: number };
  /** Next N requests wait an extra `ms` real ms before their first token. */
  slowFirstToken?: { count: number; ms: number };
}

/** Random faults, drawn from the seeded generator so runs repeat. Probabilities 0..1. */
export interface RandomFaults {
  errorRate: number;
  stallRate: number;
  /** Real ms a random stall lasts. */
  stallMs: number;
}

export interface SimulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Model ids, in listing order. */
  models: string[];
  /** Every model with its type, size and slots resolved (same order as `models`). */
  modelSpecs: SimModel[];
  /**
   * One model loaded at start as if a request had loaded it just in time: the next JIT load of
   * another model replaces it (the single-model picture older tests rely on). Default: the first
   * model, unless `initialLoaded` is given; null starts with nothing loaded this way.
   */
  initialModel: string | null;
  /** Models loaded at start as if by hand or through the REST API: they stay until unloaded or evicted for memory. */
  initialLoaded: string[];
  /** Memory for loaded instances, bytes. Default: unlimited (room for every model, duplicates too). */
  memoryBytes: number;
  /**
   * LM Studio's "auto-evict for JIT loaded models" (on by default): a JIT load first unloads the
   * model the previous JIT load brought in, so at most one JIT-loaded model stays.
   */
  jitAutoEvict: boolean;
  /** Default slots of each loaded instance (LM Studio's "Max Concurrent Predictions"); a model's own `parallel` wins. */
  parallel: number;
  /** Generation speed of one request alone, tokens/s (simulated time). */
  tokensPerSecond: number;
  promptTokensPerSecond: number;
  loadSeconds: number;
  contextLength: number;
  seed: number;
  /** Multiplies every simulated duration: 0.01 runs 100x faster than real time. */
  timeScale: number;
  /**
   * Aggregate throughput with n active requests is n^batchExponent times one request's; each
   * request runs at tokensPerSecond * n^(batchExponent-1). Below 1 means sublinear scaling.
   */
  batchExponent: number;
  /** Output length bounds when max_tokens does not cut it shorter. */
  minOutputTokens: number;
  maxOutputTokens: number;
  embeddingDimensions: number;
  /** Which management APIs answer; a disabled one behaves like an older LM Studio (unknown endpoint). */
  apis: { v0: boolean; v1: boolean };
  /**
   * An eviction (JIT auto-evict or making room for memory) cuts off the evicted instance's
   * in-flight requests, as LM Studio does. Off: they finish on the departing instance (kinder
   * to naive clients). A REST unload always cuts them off.
   */
  evictOnSwitch: boolean;
  faults: RandomFaults;
  inject: Injection;
  /** LM Studio's "Require Authentication": every request needs `Authorization: Bearer <apiToken>`. null: none needed. */
  apiToken: string | null;
}

export const DEFAULT_OPTIONS: SimulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  models: ['sim-model-a', 'sim-model-b', 'text-embedding-sim'],
  modelSpecs: [],
  initialModel: null,
  initialLoaded: [],
  memoryBytes: Number.POSITIVE_INFINITY,
  jitAutoEvict: true,
  parallel: 4,
  tokensPerSecond: 40,
  promptTokensPerSecond: 400,
  loadSeconds: 2,
  contextLength: 4096,
  seed: 1,
  timeScale: 1,
  batchExponent: 0.7,
  minOutputTokens: 16,
  maxOutputTokens: 256,
  embeddingDimensions: 256,
  apis: { v0: true, v1: true },
  evictOnSwitch: true,
  faults: { errorRate: 0, stallRate: 0, stallMs: 60_000 },
  inject: {},
  apiToken: null,
};

export type SimulatorInput = Partial<Omit<SimulatorOptions, 'apis' | 'faults' | 'models' | 'modelSpecs'>> & {
  models?: SimModelInput[];
  apis?: Partial<SimulatorOptions['apis']>;
  faults?: Partial<RandomFaults>;
};

export function resolveOptions(input: SimulatorInput = {}): SimulatorOptions {
  const parallel = input.parallel ?? DEFAULT_OPTIONS.parallel;
  const modelSpecs = (input.models ?? DEFAULT_OPTIONS.models).map((m) => resolveModel(m, parallel));
  if (modelSpecs.length === 0) throw new Error('the simulator needs at least one model');
  const models = modelSpecs.map((m) => m.id);
  if (new Set(models).size !== models.length) throw new Error(`model ids must be unique: ${models.join(', ')}`);
  const initialLoaded = input.initialLoaded ?? [];
  const defaultInitial = initialLoaded.length === 0 ? (models[0] ?? null) : null;
  const resolved: SimulatorOptions = {
    ...DEFAULT_OPTIONS,
    ...input,
    models,
    modelSpecs,
    initialModel: input.initialModel === undefined ? defaultInitial : input.initialModel,
    initialLoaded,
    apis: { ...DEFAULT_OPTIONS.apis, ...input.apis },
    faults: { ...DEFAULT_OPTIONS.faults, ...input.faults },
    inject: { ...input.inject },
  };
  for (const id of [...(resolved.initialModel === null ? [] : [resolved.initialModel]), ...initialLoaded]) {
    if (!models.includes(id)) throw new Error(`initial model "${id}" is not one of ${models.join(', ')}`);
  }
  const startBytes = startingModels(resolved).reduce((sum, id) => sum + modelSpecs.find((m) => m.id === id)!.sizeBytes, 0);
  if (startBytes > resolved.memoryBytes) throw new Error(`the models loaded at start need ${startBytes} bytes, over memoryBytes ${resolved.memoryBytes}`);
  if (resolved.parallel < 1 || modelSpecs.some((m) => m.parallel < 1)) throw new Error('parallel must be at least 1');
  if (resolved.timeScale <= 0) throw new Error('timeScale must be positive');
  if (resolved.minOutputTokens > resolved.maxOutputTokens) throw new Error('minOutputTokens exceeds maxOutputTokens');
  return resolved;
}

/** What is loaded at start, `initialLoaded` first, without repeating `initialModel`. */
export function startingModels(options: Pick<SimulatorOptions, 'initialModel' | 'initialLoaded'>): string[] {
  const ids = [...options.initialLoaded];
  if (options.initialModel !== null && !ids.includes(options.initialModel)) ids.push(options.initialModel);
  return ids;
}

function resolveModel(input: SimModelInput, defaultParallel: number): SimModel {
  const given = typeof input === 'string' ? { id: input } : input;
  const type = given.type ?? modelTypeOf(given.id);
  return {
    id: given.id,
    type,
    sizeBytes: given.sizeBytes ?? (type === 'embedding' ? DEFAULT_EMBEDDING_BYTES : DEFAULT_LLM_BYTES),
    parallel: given.parallel ?? defaultParallel,
  };
}

/** LM Studio's embedding models are conventionally named text-embedding-… or contain "embed". */
export function modelTypeOf(id: string): SimModelType {
  return /^text-embedding|embed/i.test(id) ? 'embedding' : 'llm';
}
