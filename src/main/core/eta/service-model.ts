import { isEmbeddingKind, type JobKind } from '../../../shared/job';
import type { QueuedEntry } from '../store/job-record';

/** Exponentially weighted moving average; the first sample sets it. */
export class Ewma {
  constructor(
    public value: number,
    public samples = 0,
    private readonly alpha = 0.2,
  ) {}

  observe(sample: number): void {
    if (!Number.isFinite(sample)) return;
    this.value = this.samples === 0 ? sample : this.value + this.alpha * (sample - this.value);
    this.samples++;
  }
}

export interface ServiceDefaults {
  generationTokensPerSecond: number;
  promptTokensPerSecond: number;
  outputTokens: number;
  loadMs: number;
  overheadMs: number;
}

export const SERVICE_DEFAULTS: ServiceDefaults = {
  generationTokensPerSecond: 30,
  promptTokensPerSecond: 600,
  outputTokens: 256,
  loadMs: 5_000,
  overheadMs: 50,
};

export interface Observation {
  /** Requests in flight on LM Studio when it started, itself included (models share one GPU). */
  concurrency?: number;
  kind: JobKind;
  owner: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** The job's max_tokens (null: none): how much of it the answer used is learned per model. */
  maxTokens?: number | null;
  durationMs: number;
  tokensPerSecond: number | null;
  timeToFirstTokenMs: number | null;
}

export interface ServiceEstimate {
  promptTokens: number;
  outputTokens: number;
  /** Answers of the job's own group behind `outputTokens` (0: it is the model's typical length, or a default). */
  outputSamples: number;
  serviceMs: number;
}

export interface ServiceRates {
  overheadMs: number;
  msPerPromptToken: number;
  /** Generation time per token whatever else runs (all observations together). */
  msPerOutputToken: number;
  /** Generation time per token by concurrency bucket (`concurrencyBucket`): two models generating at once share the GPU. */
  msPerOutputTokenAt: readonly number[];
  /** Typical output length (0 for embeddings), before the job's own max_tokens cap. */
  typicalOutput: number;
  /**
   * For a group with no answers of its own: the share of max_tokens the model's answers used
   * (0 once the group has its own). Their typical length says little about a job that asks for
   * far more: chats capped at 200 tokens that all ran to the cap say a 2,000-token job will too.
   */
  outputShare: number;
  /** Answers of the group's own that `typicalOutput` was learned from (0: none). */
  typicalSamples: number;
}

export interface StoredStat {
  key: string;
  value: number;
  samples: number;
}

/** The prompt line's decayed moments: tokens, milliseconds, tokens², tokens × milliseconds. */
const PROMPT_MOMENTS = ['t', 'ms', 'tt', 'tms'] as const;
const MIN_FIT_SAMPLES = 4;
/** The spread of prompt sizes (standard deviation over mean) below which no slope is fitted. */
const MIN_FIT_SPREAD = 0.1;

/** The fit's moments move slower than a rate: a run of same-size requests must not erase the spread. */
function alphaOf(key: string): number {
  return key.startsWith('prompt_fit:') ? 0.05 : 0.2;
}

/**
 * Output a job is expected to produce: its group's typical length, bounded by its max_tokens.
 * A group with no answers yet takes the model's typical length, or the share of max_tokens the
 * model's answers used if that is more.
 */
export function expectedOutputTokens(entry: QueuedEntry, rates: ServiceRates): number {
  if (rates.typicalOutput === 0) return 0;
  if (entry.maxTokens === null) return Math.max(1, Math.round(rates.typicalOutput));
  return Math.max(1, Math.round(Math.min(entry.maxTokens, Math.max(rates.typicalOutput, rates.outputShare * entry.maxTokens))));
}

/** Requests in flight → bucket: 1, 2, 3-4, 5-8, 9 and more. */
export function concurrencyBucket(inFlight: number): number {
  return inFlight <= 1 ? 0 : inFlight === 2 ? 1 : inFlight <= 4 ? 2 : inFlight <= 8 ? 3 : 4;
}
const BUCKETS = 5;

/** Expected wall time of a job; with `concurrency` (requests in flight once it starts) the generation speed learned for that load. */
export function serviceMsOf(entry: QueuedEntry, outputTokens: number, rates: ServiceRates, concurrency = 0): number {
  const perToken = concurrency === 0 ? rates.msPerOutputToken : rates.msPerOutputTokenAt[concurrencyBucket(concurrency)]!;
  return rates.overheadMs + entry.promptTokens * rates.msPerPromptToken + outputTokens * perToken;
}

/**
 * Learned service times: generation and prompt speed per model, typical output length per
 * owner+model+kind (bounded by the job's max_tokens), load time per model.
 */
export class ServiceModel {
  private readonly stats = new Map<string, Ewma>();
  private dirty = new Set<string>();

  constructor(private readonly defaults: ServiceDefaults = SERVICE_DEFAULTS) {}

  /** Learned speeds for one kind of work; the same for every job of a queue group. */
  rates(kind: JobKind, owner: string, model: string): ServiceRates {
    const own = this.stats.get(`output:${owner}:${model}:${kind}`);
    const typical = own?.value ?? NaN;
    const embedding = isEmbeddingKind(kind);
    const overall = this.value(`gen_tps:${model}`, this.defaults.generationTokensPerSecond);
    const prompt = this.promptLine(model);
    return {
      overheadMs: prompt.overheadMs,
      msPerPromptToken: prompt.msPerToken,
      msPerOutputToken: 1000 / overall,
      msPerOutputTokenAt: this.perBucket(model, overall).map((tps) => 1000 / tps),
      typicalOutput: embedding ? 0 : Number.isFinite(typical) ? typical : this.value(`output:*:${model}:${kind}`, this.defaults.outputTokens),
      outputShare: embedding || Number.isFinite(typical) ? 0 : this.value(`output_share:*:${model}:${kind}`, 0),
      typicalSamples: own?.samples ?? 0,
    };
  }

  /** What a job is expected to take; `concurrency`: requests in flight once it starts (0: not known). */
  estimate(entry: QueuedEntry, rates = this.rates(entry.kind, entry.owner, entry.model), concurrency = 0): ServiceEstimate {
    const outputTokens = expectedOutputTokens(entry, rates);
    return { promptTokens: entry.promptTokens, outputTokens, outputSamples: rates.typicalSamples, serviceMs: serviceMsOf(entry, outputTokens, rates, concurrency) };
  }

  /** Generation speed per concurrency bucket: learned where seen, else the nearest bucket learned, else the overall speed. */
  private perBucket(model: string, overall: number): number[] {
    const learned = Array.from({ length: BUCKETS }, (_, b) => this.stats.get(`gen_tps:${model}:c${b}`)?.value ?? NaN);
    return learned.map((tps, b) => {
      if (Number.isFinite(tps)) return tps;
      for (let d = 1; d < BUCKETS; d++) {
        const near = [learned[b - d], learned[b + d]].find((v) => v !== undefined && Number.isFinite(v));
        if (near !== undefined) return near;
      }
      return overall;
    });
  }

  /**
   * The prompt phase (time to first token, or an embedding's whole time) as a line: a fixed cost
   * per request plus a cost per prompt token, fitted to the decayed moments of what was measured.
   * One rate alone cannot fit both: short query embeddings, mostly request overhead, made a
   * batch of 8-chunk embeddings look 1.75x slower than it ran (rag-team bench). Until sizes vary
   * enough to fit a slope, the learned rate alone (its overhead inside it); before anything is
   * learned, the defaults.
   */
  private promptLine(model: string): { overheadMs: number; msPerToken: number } {
    const rate = this.stats.get(`prompt_tps:${model}`);
    if (!rate) return { overheadMs: this.defaults.overheadMs, msPerToken: 1000 / this.defaults.promptTokensPerSecond };
    const ratio = { overheadMs: 0, msPerToken: 1000 / rate.value };
    const [t, ms, tt, tms] = PROMPT_MOMENTS.map((m) => this.stats.get(`prompt_fit:${model}:${m}`));
    if (!t || !ms || !tt || !tms || t.samples < MIN_FIT_SAMPLES) return ratio;
    const variance = tt.value - t.value * t.value;
    // Sizes that barely differ give no slope worth trusting.
    if (!(variance > (MIN_FIT_SPREAD * t.value) ** 2)) return ratio;
    const slope = (tms.value - t.value * ms.value) / variance;
    const overheadMs = ms.value - slope * t.value;
    if (!(slope > 0) || overheadMs < 0) return ratio;
    return { overheadMs, msPerToken: slope };
  }

  loadMs(model: string): number {
    return this.value(`load_ms:${model}`, this.defaults.loadMs);
  }

  observe(o: Observation): void {
    if (!isEmbeddingKind(o.kind)) {
      this.sample(`output:${o.owner}:${o.model}:${o.kind}`, o.completionTokens);
      this.sample(`output:*:${o.model}:${o.kind}`, o.completionTokens);
      if (o.maxTokens != null && o.maxTokens > 0) this.sample(`output_share:*:${o.model}:${o.kind}`, Math.min(1, o.completionTokens / o.maxTokens));
    }
    const ttft = o.timeToFirstTokenMs;
    if (o.completionTokens > 1) {
      const genMs = ttft === null ? o.durationMs : o.durationMs - ttft;
      const tps = o.tokensPerSecond ?? (genMs > 0 ? (o.completionTokens / genMs) * 1000 : null);
      if (tps !== null && tps > 0) {
        this.sample(`gen_tps:${o.model}`, tps);
        if (o.concurrency !== undefined) this.sample(`gen_tps:${o.model}:c${concurrencyBucket(o.concurrency)}`, tps);
      }
    }
    const promptMs = isEmbeddingKind(o.kind) ? o.durationMs : ttft;
    if (promptMs !== null && promptMs > 0 && o.promptTokens > 0) {
      this.sample(`prompt_tps:${o.model}`, (o.promptTokens / promptMs) * 1000);
      const x = o.promptTokens;
      const moments = [x, promptMs, x * x, x * promptMs];
      PROMPT_MOMENTS.forEach((m, i) => this.sample(`prompt_fit:${o.model}:${m}`, moments[i]!));
    }
  }

  observeLoad(model: string, ms: number): void {
    this.sample(`load_ms:${model}`, ms);
  }

  /** Learned values changed since the last call (for persisting). */
  takeDirty(): StoredStat[] {
    const out: StoredStat[] = [];
    for (const key of this.dirty) {
      const s = this.stats.get(key);
      if (s) out.push({ key, value: s.value, samples: s.samples });
    }
    this.dirty = new Set();
    return out;
  }

  restore(stats: Iterable<StoredStat>): void {
    for (const s of stats) this.stats.set(s.key, new Ewma(s.value, s.samples, alphaOf(s.key)));
  }

  private value(key: string, fallback: number): number {
    return this.stats.get(key)?.value ?? fallback;
  }

  private sample(key: string, value: number): void {
    let s = this.stats.get(key);
    if (!s) {
      s = new Ewma(value, 0, alphaOf(key));
      this.stats.set(key, s);
    }
    s.observe(value);
    this.dirty.add(key);
  }
}
