import type { JobKind } from '../../../shared/job';
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
  kind: JobKind;
  owner: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
  tokensPerSecond: number | null;
  timeToFirstTokenMs: number | null;
}

export interface ServiceEstimate {
  promptTokens: number;
  outputTokens: number;
  serviceMs: number;
}

export interface ServiceRates {
  overheadMs: number;
  msPerPromptToken: number;
  msPerOutputToken: number;
  /** Typical output length (0 for embeddings), before the job's own max_tokens cap. */
  typicalOutput: number;
}

export interface StoredStat {
  key: string;
  value: number;
  samples: number;
}

/** Output a job is expected to produce: its group's typical length, bounded by its max_tokens. */
export function expectedOutputTokens(entry: QueuedEntry, rates: ServiceRates): number {
  if (rates.typicalOutput === 0) return 0;
  return Math.max(1, Math.round(entry.maxTokens === null ? rates.typicalOutput : Math.min(entry.maxTokens, rates.typicalOutput)));
}

export function serviceMsOf(entry: QueuedEntry, outputTokens: number, rates: ServiceRates): number {
  return rates.overheadMs + entry.promptTokens * rates.msPerPromptToken + outputTokens * rates.msPerOutputToken;
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
    const typical = this.value(`output:${owner}:${model}:${kind}`, NaN);
    return {
      overheadMs: this.value(`overhead_ms:${model}`, this.defaults.overheadMs),
      msPerPromptToken: 1000 / this.value(`prompt_tps:${model}`, this.defaults.promptTokensPerSecond),
      msPerOutputToken: 1000 / this.value(`gen_tps:${model}`, this.defaults.generationTokensPerSecond),
      typicalOutput:
        kind === 'embedding'
          ? 0
          : Number.isFinite(typical)
            ? typical
            : this.value(`output:*:${model}:${kind}`, this.defaults.outputTokens),
    };
  }

  estimate(entry: QueuedEntry, rates = this.rates(entry.kind, entry.owner, entry.model)): ServiceEstimate {
    const outputTokens = expectedOutputTokens(entry, rates);
    return { promptTokens: entry.promptTokens, outputTokens, serviceMs: serviceMsOf(entry, outputTokens, rates) };
  }

  loadMs(model: string): number {
    return this.value(`load_ms:${model}`, this.defaults.loadMs);
  }

  observe(o: Observation): void {
    if (o.kind !== 'embedding') {
      this.sample(`output:${o.owner}:${o.model}:${o.kind}`, o.completionTokens);
      this.sample(`output:*:${o.model}:${o.kind}`, o.completionTokens);
    }
    const ttft = o.timeToFirstTokenMs;
    if (o.completionTokens > 1) {
      const genMs = ttft === null ? o.durationMs : o.durationMs - ttft;
      const tps = o.tokensPerSecond ?? (genMs > 0 ? (o.completionTokens / genMs) * 1000 : null);
      if (tps !== null && tps > 0) this.sample(`gen_tps:${o.model}`, tps);
    }
    const promptMs = o.kind === 'embedding' ? o.durationMs : ttft;
    if (promptMs !== null && promptMs > 0 && o.promptTokens > 0) {
      this.sample(`prompt_tps:${o.model}`, (o.promptTokens / promptMs) * 1000);
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
    for (const s of stats) this.stats.set(s.key, new Ewma(s.value, s.samples));
  }

  private value(key: string, fallback: number): number {
    return this.stats.get(key)?.value ?? fallback;
  }

  private sample(key: string, value: number): void {
    let s = this.stats.get(key);
    if (!s) {
      s = new Ewma(value);
      this.stats.set(key, s);
    }
    s.observe(value);
    this.dirty.add(key);
  }
}
