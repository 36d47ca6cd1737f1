/** Simulator settings, their defaults, and the fault-injection vocabulary. */

export type SimModelType = 'llm' | 'embedding';

export interface SimModel {
  id: string;
  type: SimModelType;
}

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
  models: string[];
  /** The model loaded at start; null starts with nothing loaded. Default: the first model. */
  initialModel: string | null;
  /** Slots of the loaded model (LM Studio's "Max Concurrent Predictions"). */
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
  /** Evict in-flight requests of the previous model when another is loaded (LM Studio can). */
  evictOnSwitch: boolean;
  faults: RandomFaults;
  inject: Injection;
}

export const DEFAULT_OPTIONS: SimulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  models: ['sim-model-a', 'sim-model-b', 'text-embedding-sim'],
  initialModel: null,
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
  embeddingDimensions: 16,
  apis: { v0: true, v1: true },
  evictOnSwitch: true,
  faults: { errorRate: 0, stallRate: 0, stallMs: 60_000 },
  inject: {},
};

export type SimulatorInput = Partial<Omit<SimulatorOptions, 'apis' | 'faults'>> & {
  apis?: Partial<SimulatorOptions['apis']>;
  faults?: Partial<RandomFaults>;
};

export function resolveOptions(input: SimulatorInput = {}): SimulatorOptions {
  const models = input.models ?? DEFAULT_OPTIONS.models;
  if (models.length === 0) throw new Error('the simulator needs at least one model');
  const resolved: SimulatorOptions = {
    ...DEFAULT_OPTIONS,
    ...input,
    models,
    initialModel: input.initialModel === undefined ? (models[0] ?? null) : input.initialModel,
    apis: { ...DEFAULT_OPTIONS.apis, ...input.apis },
    faults: { ...DEFAULT_OPTIONS.faults, ...input.faults },
    inject: { ...input.inject },
  };
  if (resolved.initialModel !== null && !models.includes(resolved.initialModel)) {
    throw new Error(`initial model "${resolved.initialModel}" is not one of ${models.join(', ')}`);
  }
  if (resolved.parallel < 1) throw new Error('parallel must be at least 1');
  if (resolved.timeScale <= 0) throw new Error('timeScale must be positive');
  if (resolved.minOutputTokens > resolved.maxOutputTokens) throw new Error('minOutputTokens exceeds maxOutputTokens');
  return resolved;
}

/** LM Studio's embedding models are conventionally named text-embedding-… or contain "embed". */
export function modelTypeOf(id: string): SimModelType {
  return /^text-embedding|embed/i.test(id) ? 'embedding' : 'llm';
}

export function catalog(options: SimulatorOptions): SimModel[] {
  return options.models.map((id) => ({ id, type: modelTypeOf(id) }));
}
