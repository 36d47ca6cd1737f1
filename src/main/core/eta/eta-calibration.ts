import type { Lane } from '../../../shared/job';

/** Waits predicted shorter than this are not learned from (their ratio is mostly noise). */
const MIN_PREDICTED_WAIT_MS = 200;
/** A factor stays within 1/8 … 8. */
const MAX_LOG_FACTOR = Math.log(8);
/** Weight of a new observation once warmed up (the first ones count more: 1/n). */
const ALPHA = 0.1;
/** Jobs whose prediction is remembered at once (memory stays bounded under any backlog). */
const MAX_PENDING = 10_000;

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
 * new predictions by it. Positions are untouched: only the times shown are corrected.
 */
export class EtaCalibration {
  private readonly learned = new Map<string, { logFactor: number; samples: number }>();
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
    const state = this.learned.get(p.key) ?? { logFactor: 0, samples: 0 };
    state.samples++;
    state.logFactor += Math.max(ALPHA, 1 / state.samples) * (sample - state.logFactor);
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

  get pendingCount(): number {
    return this.pending.size;
  }
}

function keyOf(lane: Lane, priority: number): string {
  return `${lane}:${priority}`;
}

/** A predicted start with the wait until it scaled by `factor`. */
export function scaledStart(startAt: number, now: number, factor: number): number {
  return factor === 1 ? startAt : now + Math.max(0, startAt - now) * factor;
}

/** A predicted start and finish with the wait scaled by `factor` (the run time is kept). */
export function scaledPlace<P extends { startAt: number; finishAt: number }>(place: P, now: number, factor: number): P {
  if (factor === 1) return place;
  const startAt = scaledStart(place.startAt, now, factor);
  return { ...place, startAt, finishAt: startAt + (place.finishAt - place.startAt) };
}
