import type { Lane } from '../../../shared/job';

/** Waits predicted shorter than this are not learned from (their ratio is mostly noise). */
const MIN_PREDICTED_WAIT_MS = 200;
/** A factor stays within 1/8 … 8. */
const MAX_LOG_FACTOR = Math.log(8);
/** Weight of a new observation once warmed up (the first ones count more: 1/n). */
const ALPHA = 0.1;
/** Jobs whose prediction is remembered at once (memory stays bounded under any backlog). */
const MAX_PENDING = 10_000;
/** Recent outcomes kept per lane and priority for the range. */
const RECENT = 200;
/**
 * Before much is learned, the range is this wide (two outcomes assumed, at 0.6× and 2.5× the
 * prediction): the forecast cannot see work yet to arrive, which in a priority queue only ever
 * starts later what is queued, and where one model fits at a time each switch it causes costs a
 * drain and a load. Real outcomes outnumber these two soon.
 */
const PRIOR = [Math.log(0.6), Math.log(2.5)];
/** The range covers the middle 80% of recent outcomes. */
const LOW_QUANTILE = 0.1;
const HIGH_QUANTILE = 0.9;

interface Learned {
  logFactor: number;
  samples: number;
  /** The latest log(actual / predicted), a ring of RECENT. */
  recent: number[];
  next: number;
  /** `recent` and the prior sorted, or null when a new outcome came in since. */
  sorted: number[] | null;
}

/** Factors for the low and high ends of a predicted wait. */
export interface WaitRange {
  low: number;
  high: number;
}

const PRIOR_RANGE: WaitRange = rangeOf([...PRIOR].sort((a, b) => a - b));

function rangeOf(sorted: readonly number[]): WaitRange {
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { low: Math.exp(at(LOW_QUANTILE)), high: Math.exp(at(HIGH_QUANTILE)) };
}

interface Pending {
  key: string;
  submittedAt: number;
  predictedWaitMs: number;
}

/**
 * The forecast simulates the queue as it is; it cannot see work that has not arrived yet. In a
 * priority queue that work goes first, so low-priority jobs start later than predicted, and
 * consistently so. This learns, per lane and priority, how real waits compare with predicted
 * ones (an average of log(actual / predicted), so one long outlier cannot swing it) and scales
 * new predictions by it. Positions are untouched: only the times shown are corrected. How far
 * recent outcomes spread around their predictions gives each prediction its range.
 */
export class EtaCalibration {
  private readonly learned = new Map<string, Learned>();
  private readonly pending = new Map<number, Pending>();

  /**
   * The forecast (uncorrected) placed a job submitted at `submittedAt` to start after
   * `predictedWaitMs`. The first prediction for a job is the one judged.
   */
  predicted(seq: number, lane: Lane, priority: number, submittedAt: number, predictedWaitMs: number): void {
    if (this.pending.has(seq) || this.pending.size >= MAX_PENDING) return;
    this.pending.set(seq, { key: keyOf(lane, priority), submittedAt, predictedWaitMs });
  }

  /** The job started: learn from how long it really waited. */
  started(seq: number, startedAt: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    if (p.predictedWaitMs < MIN_PREDICTED_WAIT_MS) return;
    const actualWaitMs = Math.max(0, startedAt - p.submittedAt);
    const ratio = Math.max(actualWaitMs, 1) / p.predictedWaitMs;
    const sample = Math.max(-MAX_LOG_FACTOR, Math.min(MAX_LOG_FACTOR, Math.log(ratio)));
    const state = this.learned.get(p.key) ?? { logFactor: 0, samples: 0, recent: [], next: 0, sorted: null };
    state.samples++;
    state.logFactor += Math.max(ALPHA, 1 / state.samples) * (sample - state.logFactor);
    state.recent[state.next] = sample;
    state.next = (state.next + 1) % RECENT;
    state.sorted = null;
    this.learned.set(p.key, state);
  }

  /** The job left the queue without starting (canceled, failed): nothing to learn. */
  forget(seq: number): void {
    this.pending.delete(seq);
  }

  /** How much longer than predicted jobs of this lane and priority have been waiting (1: as predicted). */
  factor(lane: Lane, priority: number): number {
    const state = this.learned.get(keyOf(lane, priority));
    return state ? Math.exp(state.logFactor) : 1;
  }

  /** The low and high factors of a wait for this lane and priority (the middle 80% of recent outcomes). */
  range(lane: Lane, priority: number): WaitRange {
    const state = this.learned.get(keyOf(lane, priority));
    if (!state) return PRIOR_RANGE;
    state.sorted ??= [...state.recent, ...PRIOR].sort((a, b) => a - b);
    return rangeOf(state.sorted);
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}

function keyOf(lane: Lane, priority: number): string {
  return `${lane}:${priority}`;
}
