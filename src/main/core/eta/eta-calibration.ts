import { LANES, type Lane } from '../../../shared/job';

/** Waits predicted shorter than this are not learned from (their ratio is mostly noise). */
const MIN_PREDICTED_WAIT_MS = 200;
/** A factor stays within 1/8 … 8. */
const MAX_LOG_FACTOR = Math.log(8);
/** Weight of a new observation once warmed up (the first ones count more: 1/n). */
const ALPHA = 0.1;
/** Jobs whose prediction is remembered at once (memory stays bounded under any backlog). */
const MAX_PENDING = 10_000;
/** Recent outcomes kept per lane and priority, and per band of it, for the range. */
const RECENT = 200;
/** A band's own outcomes give its range once there are this many; before, its lane's do. */
const MIN_BAND_RANGE_OUTCOMES = 10;
/**
 * Positions are grouped in bands that double (1, 2–3, 4–7, … 1024 and beyond): how much later than
 * predicted a job starts depends on how far ahead the prediction looked. Work that arrives later
 * and goes first delays a job at position 200 by about as many seconds as one at 100, which is a
 * smaller share of its longer wait.
 */
const BANDS = 11;
/** A band's own factor counts as much as the lane's after this many outcomes (shrinkage toward the lane). */
const BAND_PRIOR_WEIGHT = 8;
/**
 * Before much is learned, the range is this wide (two outcomes assumed, at 0.6× and 4× the
 * prediction): the forecast cannot see work yet to arrive, which in a priority queue only ever
 * starts later what is queued, and where one model fits at a time each chat for the other model
 * costs a drain and two loads, so a batch queued at the start of a day starts several times later
 * than forecast. Real outcomes outnumber these two soon.
 */
const PRIOR = [Math.log(0.6), Math.log(4)];
/** The range covers the middle 90% of recent outcomes: 80% of starts inside it, even on a day unlike the last. */
const LOW_QUANTILE = 0.05;
const HIGH_QUANTILE = 0.95;
/** Version of the saved state; another version is ignored (learned again from scratch). */
const STATE_VERSION = 1;

/** Log(actual / predicted) learned for one lane and priority, or one band of it. */
interface Learned {
  logFactor: number;
  samples: number;
  /** The latest log(actual / shown) waits, a ring. */
  recent: number[];
  next: number;
  /** The range of `recent`, or null when a new outcome came in since. */
  range: WaitRange | null;
}

/** Factors for the low and high ends of a predicted wait. */
export interface WaitRange {
  low: number;
  high: number;
}

/** What the calibration has learned, as saved between runs (settings table, JSON). */
export interface CalibrationState {
  version: number;
  learned: Array<{ key: string; logFactor: number; samples: number; recent: number[] }>;
}

const PRIOR_RANGE: WaitRange = rangeOf([...PRIOR].sort((a, b) => a - b));

function rangeOf(sorted: readonly number[]): WaitRange {
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { low: Math.exp(at(LOW_QUANTILE)), high: Math.exp(at(HIGH_QUANTILE)) };
}

/**
 * The range of recent outcomes, spanning at least their typical error on either side: when the
 * waits shown came out too short all day, the next day's, corrected, can come out too long by as
 * much (the forecast beneath moves too, as speeds are learned), which one-sided outcomes cannot show.
 */
function rangeOfOutcomes(recent: readonly number[]): WaitRange {
  const spread = rangeOf([...recent, ...PRIOR].sort((a, b) => a - b));
  const typicalError = median(recent.map(Math.abs));
  return { low: Math.min(spread.low, Math.exp(-typicalError)), high: Math.max(spread.high, Math.exp(typicalError)) };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

/** The band of a queue position (1-based): 0 for position 1, then one more each time it doubles. */
function bandOf(position: number): number {
  return Math.min(BANDS - 1, Math.floor(Math.log2(Math.max(1, position))));
}

interface Pending {
  lane: Lane;
  priority: number;
  band: number;
  submittedAt: number;
  predictedWaitMs: number;
  /** The wait shown for it then (the prediction corrected by what was learned by then). */
  shownWaitMs: number;
}

/**
 * The forecast simulates the queue as it is; it cannot see work that has not arrived yet. In a
 * priority queue that work goes first, so low-priority jobs start later than predicted, and
 * consistently so. This learns, per lane and priority and per band of queue position, how real
 * waits compare with predicted ones (an average of log(actual / predicted), so one long outlier
 * cannot swing it) and scales new predictions by it. Positions are untouched: only the times
 * shown are corrected. How far recent outcomes spread around their predictions gives each
 * prediction its range. What is learned is saved and restored across restarts (`state`,
 * `restore`): a team's days are alike, and the first predictions of a day are the ones made
 * before that day has taught anything.
 */
export class EtaCalibration {
  private readonly learned = new Map<string, Learned>();
  private readonly pending = new Map<number, Pending>();
  private changed = false;

  /**
   * The forecast (uncorrected) placed a job submitted at `submittedAt` at `position`, to start
   * after `predictedWaitMs`. The first prediction for a job is the one judged.
   */
  predicted(seq: number, lane: Lane, priority: number, submittedAt: number, predictedWaitMs: number, position = 1, shownWaitMs = predictedWaitMs): void {
    if (this.pending.has(seq) || this.pending.size >= MAX_PENDING) return;
    this.pending.set(seq, { lane, priority, band: bandOf(position), submittedAt, predictedWaitMs, shownWaitMs });
  }

  /** The job started: learn from how long it really waited. */
  started(seq: number, startedAt: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    if (p.predictedWaitMs < MIN_PREDICTED_WAIT_MS) return;
    const actualWaitMs = Math.max(0, startedAt - p.submittedAt);
    const sample = clampLog(Math.log(Math.max(actualWaitMs, 1) / p.predictedWaitMs));
    const residual = clampLog(Math.log(Math.max(actualWaitMs, 1) / Math.max(p.shownWaitMs, 1)));
    this.learn(laneKey(p.lane, p.priority), sample, residual);
    this.learn(bandKey(p.lane, p.priority, p.band), sample, residual);
    this.changed = true;
  }

  /** The job left the queue without starting (canceled, failed): nothing to learn. */
  forget(seq: number): void {
    this.pending.delete(seq);
  }

  /**
   * How much longer than predicted jobs of this lane and priority have been waiting at about this
   * position (1: as predicted). Between the middles of two bands the factor moves smoothly, so a
   * band's edge does not make a step in the times shown.
   */
  factor(lane: Lane, priority: number, position = 1): number {
    const lanePart = this.learned.get(laneKey(lane, priority));
    if (!lanePart) return 1;
    return Math.exp(interpolate((band) => this.bandLog(lanePart, lane, priority, band), position, lanePart.logFactor));
  }

  /** Every lane's, priority's and band's log factor, read once for a pass over the queue (`FactorTable`). */
  factorTable(): FactorTable {
    const logs = new Float64Array(LANES.length * 10 * TABLE_ROW);
    LANES.forEach((lane, l) => {
      for (let p = 0; p < 10; p++) {
        const lanePart = this.learned.get(laneKey(lane, p));
        if (!lanePart) continue;
        const row = (l * 10 + p) * TABLE_ROW;
        for (let b = 0; b < BANDS; b++) logs[row + b] = this.bandLog(lanePart, lane, p, b);
        logs[row + BANDS] = lanePart.logFactor;
      }
    });
    return new FactorTable(logs);
  }

  /**
   * The low and high factors of a shown wait for this lane, priority and position: the middle 90%
   * of how the band's recent outcomes compared with the waits shown for them (the lane's until the
   * band has MIN_BAND_RANGE_OUTCOMES), and at least their typical error either side.
   */
  range(lane: Lane, priority: number, position = 1): WaitRange {
    const band = this.learned.get(bandKey(lane, priority, bandOf(position)));
    const state = band && band.recent.length >= MIN_BAND_RANGE_OUTCOMES ? band : this.learned.get(laneKey(lane, priority));
    if (!state) return PRIOR_RANGE;
    state.range ??= rangeOfOutcomes(state.recent);
    return state.range;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** What has been learned, or null if nothing was learned since the last call (for saving). */
  takeChanged(): CalibrationState | null {
    if (!this.changed) return null;
    this.changed = false;
    return this.state();
  }

  state(): CalibrationState {
    const learned = [...this.learned].map(([key, s]) => ({
      key,
      logFactor: s.logFactor,
      samples: s.samples,
      // Oldest first, rounded: the ring's order and full precision do not matter.
      recent: [...s.recent.slice(s.next), ...s.recent.slice(0, s.next)].map((v) => Math.round(v * 1e4) / 1e4),
    }));
    return { version: STATE_VERSION, learned };
  }

  /** Takes back a saved state; anything malformed in it is skipped, not trusted. */
  restore(saved: unknown): void {
    const state = saved as Partial<CalibrationState> | null | undefined;
    if (!state || state.version !== STATE_VERSION || !Array.isArray(state.learned)) return;
    for (const entry of state.learned) {
      if (!isValidEntry(entry)) continue;
      const recent = entry.recent.filter((v) => Number.isFinite(v)).map(clampLog).slice(-RECENT);
      this.learned.set(entry.key, { logFactor: clampLog(entry.logFactor), samples: entry.samples, recent, next: recent.length % RECENT, range: null });
    }
  }

  /** One outcome: `sample` moves the factor; `residual` joins the recent outcomes. */
  private learn(key: string, sample: number, residual: number): void {
    const state = this.learned.get(key) ?? { logFactor: 0, samples: 0, recent: [], next: 0, range: null };
    state.samples++;
    state.logFactor += Math.max(ALPHA, 1 / state.samples) * (sample - state.logFactor);
    state.recent[state.next] = residual;
    state.next = (state.next + 1) % RECENT;
    state.range = null;
    this.learned.set(key, state);
  }

  /** A band's log factor, shrunk toward its lane's by how few outcomes the band has seen (NaN: none). */
  private bandLog(lanePart: Learned, lane: Lane, priority: number, band: number): number {
    const own = this.learned.get(bandKey(lane, priority, band));
    if (!own) return NaN;
    return (own.samples * own.logFactor + BAND_PRIOR_WEIGHT * lanePart.logFactor) / (own.samples + BAND_PRIOR_WEIGHT);
  }
}

/** A lane and priority's row in a FactorTable: its bands' log factors, then its own. */
const TABLE_ROW = BANDS + 1;

/** The calibration's factors, looked up per job without a Map or a string (100,000 jobs a pass). */
export class FactorTable {
  constructor(private readonly logs: Float64Array) {}

  /** The factor for a job of lane `laneIndex` (its index in LANES) and `priority` at `position`. */
  at(laneIndex: number, priority: number, position: number): number {
    const row = (laneIndex * 10 + priority) * TABLE_ROW;
    const logs = this.logs;
    const log = interpolate((band) => logs[row + band]!, position, logs[row + BANDS]!);
    return log === 0 ? 1 : Math.exp(log);
  }
}

/**
 * A band's value at `position`, moving linearly (in log position) between the middles of two
 * bands; a band with nothing learned (NaN) takes its neighbour's, and with neither, `fallback`.
 */
function interpolate(valueOf: (band: number) => number, position: number, fallback: number): number {
  const x = Math.log2(Math.max(1, position)) - 0.5;
  const below = Math.max(0, Math.min(BANDS - 1, Math.floor(x)));
  const above = Math.min(BANDS - 1, below + 1);
  const t = Math.max(0, Math.min(1, x - below));
  const a = valueOf(below);
  const b = t === 0 ? a : valueOf(above);
  if (Number.isNaN(a)) return Number.isNaN(b) ? fallback : b;
  if (Number.isNaN(b) || t === 0) return a;
  return (1 - t) * a + t * b;
}

const KEY_PATTERN = new RegExp(`^(${LANES.join('|')}):\\d(:\\d{1,2})?$`);

function isValidEntry(entry: unknown): entry is CalibrationState['learned'][number] {
  const e = entry as Partial<CalibrationState['learned'][number]> | null;
  return (
    !!e &&
    typeof e.key === 'string' &&
    KEY_PATTERN.test(e.key) &&
    Number.isFinite(e.logFactor) &&
    Number.isInteger(e.samples) &&
    e.samples! > 0 &&
    Array.isArray(e.recent)
  );
}

function clampLog(value: number): number {
  return Math.max(-MAX_LOG_FACTOR, Math.min(MAX_LOG_FACTOR, value));
}

function laneKey(lane: Lane, priority: number): string {
  return `${lane}:${priority}`;
}

function bandKey(lane: Lane, priority: number, band: number): string {
  return `${lane}:${priority}:${band}`;
}
