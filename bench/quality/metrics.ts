/**
 * Scheduling-quality measures, pure: percentiles, Jain's fairness index, slot utilization from
 * busy intervals, ETA error. Times are simulated seconds throughout.
 */

/** A half-open span of time [start, end). */
export interface Interval {
  start: number;
  end: number;
}

/** Linear-interpolated percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Jain's fairness index (Σx)² / (n·Σx²): 1 when everyone got the same, 1/n when one got all.
 * NaN for no values; 1 when nobody got anything (nobody was treated worse).
 */
export function jainIndex(shares: readonly number[]): number {
  if (shares.length === 0) return NaN;
  const sum = shares.reduce((a, b) => a + b, 0);
  const sumOfSquares = shares.reduce((a, b) => a + b * b, 0);
  if (sumOfSquares === 0) return 1;
  return (sum * sum) / (shares.length * sumOfSquares);
}

/** Sorted, non-overlapping union of the intervals (empty ones dropped). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged.at(-1);
    if (last && next.start <= last.end) last.end = Math.max(last.end, next.end);
    else merged.push({ ...next });
  }
  return merged;
}

/** Where two unions of intervals overlap. */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const left = mergeIntervals(a);
  const right = mergeIntervals(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const start = Math.max(left[i]!.start, right[j]!.start);
    const end = Math.min(left[i]!.end, right[j]!.end);
    if (end > start) out.push({ start, end });
    if (left[i]!.end < right[j]!.end) i++;
    else j++;
  }
  return out;
}

export function totalLength(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, i) => sum + Math.max(0, i.end - i.start), 0);
}

/** How much of `interval` falls inside the (merged) `window`. */
export function overlapWith(interval: Interval, window: readonly Interval[]): number {
  let sum = 0;
  for (const w of window) sum += Math.max(0, Math.min(interval.end, w.end) - Math.max(interval.start, w.start));
  return sum;
}

/**
 * Share of slot-time in use over `span`: the summed busy time of every request divided by
 * slots × span. 1 means every slot was busy all the time.
 */
export function slotUtilization(busy: readonly Interval[], slots: number, span: Interval): number {
  const length = span.end - span.start;
  if (length <= 0 || slots <= 0) return NaN;
  const used = busy.reduce((sum, i) => sum + overlapWith(i, [span]), 0);
  return used / (slots * length);
}

export interface OwnerWork {
  owner: string;
  /** When each of the owner's jobs arrived and finished (its backlog). */
  jobs: readonly Interval[];
  /** When the owner's requests held a slot. */
  service: readonly Interval[];
}

export interface FairnessResult {
  owners: string[];
  /** Simulated seconds in which every one of the owners had work queued or running. */
  windowSeconds: number;
  /** Slot-seconds each owner received inside that window. */
  service: number[];
  jain: number;
}

/**
 * Jain's index over the slot-time each owner received while all of them were backlogged.
 * Service outside that window says nothing about fairness (the other had nothing to ask for).
 */
export function fairnessWhileBacklogged(work: readonly OwnerWork[]): FairnessResult {
  let window: Interval[] | null = null;
  for (const w of work) {
    const backlog = mergeIntervals(w.jobs);
    window = window === null ? backlog : intersectIntervals(window, backlog);
  }
  const merged = window ?? [];
  const service = work.map((w) => w.service.reduce((sum, s) => sum + overlapWith(s, merged), 0));
  return { owners: work.map((w) => w.owner), windowSeconds: totalLength(merged), service, jain: merged.length ? jainIndex(service) : NaN };
}

export interface EtaSample {
  /** Predicted seconds until start, as shown when the job was submitted. */
  predicted: number;
  /** Seconds it really waited. */
  actual: number;
}

/**
 * |predicted − actual| / max(actual, floor). The floor keeps a job that started at once with a
 * prediction of "in 0.3 s" from counting as an infinite error.
 */
export function etaAbsolutePercentError(sample: EtaSample, floorSeconds: number): number {
  return (Math.abs(sample.predicted - sample.actual) / Math.max(sample.actual, floorSeconds)) * 100;
}

export interface EtaErrorSummary {
  jobs: number;
  medianPercent: number;
  p90Percent: number;
  medianAbsoluteSeconds: number;
  /** Median of (predicted − actual) / max(actual, floor): negative means ETAs were optimistic. */
  medianBiasPercent: number;
}

export function summarizeEtaError(samples: readonly EtaSample[], floorSeconds: number): EtaErrorSummary {
  const percents = samples.map((s) => etaAbsolutePercentError(s, floorSeconds));
  return {
    jobs: samples.length,
    medianPercent: median(percents),
    p90Percent: percentile(percents, 90),
    medianAbsoluteSeconds: median(samples.map((s) => Math.abs(s.predicted - s.actual))),
    medianBiasPercent: median(samples.map((s) => ((s.predicted - s.actual) / Math.max(s.actual, floorSeconds)) * 100)),
  };
}

/**
 * Field-by-field median of several runs' results of the same shape: numbers (and arrays of
 * numbers, element-wise) become their median; anything else is taken from the first run.
 */
export function medianOfRuns<T>(runs: readonly T[]): T {
  const first = runs[0];
  if (runs.length <= 1 || first === null || first === undefined) return first as T;
  if (typeof first === 'number') return median(runs as readonly number[]) as T;
  if (Array.isArray(first)) return first.map((_, i) => medianOfRuns(runs.map((r) => (r as unknown[])[i]))) as T;
  if (typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = medianOfRuns(runs.map((r) => (r as Record<string, unknown> | null)?.[key]));
    return out as T;
  }
  return first;
}
