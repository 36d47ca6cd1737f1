/**
 * The start times people are shown: the forecast's, corrected by what the calibration learned,
 * yet still in agreement with the positions. Per model, a later position never starts before an
 * earlier one, and no start comes before the model's first queued job could start (when a slot or
 * the model is first free), so a lateness factor can stretch waits but never reorder them.
 */
import { LANES } from '../../../shared/job';
import type { QueueNode } from '../scheduler/queue-index';
import type { EtaCalibration, WaitRange } from './eta-calibration';

/** A range's upper end is at least this far past its point: "starts in ~0 s" can still slip a little. */
const MIN_RANGE_MS = 1_000;

export interface ShownTimes {
  /** Indexed like the forecast's order. */
  startAt: Float64Array;
  /** Per model, the forecast start of its first queued job. */
  earliestOf: Map<string, number>;
}

/** A table lookup per job: the calibration's factor for every lane and priority, read once. */
function factorTable(calibration: EtaCalibration): Float64Array {
  const table = new Float64Array(LANES.length * 10);
  LANES.forEach((lane, l) => {
    for (let p = 0; p < 10; p++) table[l * 10 + p] = calibration.factor(lane, p);
  });
  return table;
}

function laneIndex(lane: QueueNode['lane']): number {
  return lane === 'interactive' ? 0 : lane === 'batch' ? 1 : 2;
}

export function shownTimes(order: readonly QueueNode[], startAt: Float64Array, now: number, calibration: EtaCalibration): ShownTimes {
  const factors = factorTable(calibration);
  const shown = new Float64Array(order.length);
  // Few models: parallel arrays searched from the last hit beat a Map per job.
  const models: string[] = [];
  const latest: number[] = [];
  const earliest: number[] = [];
  let k = -1;
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    const raw = startAt[i]!;
    if (k < 0 || models[k] !== node.model) {
      k = models.indexOf(node.model);
      if (k < 0) {
        k = models.push(node.model) - 1;
        latest.push(-Infinity);
        earliest.push(raw);
      }
    }
    const factor = factors[laneIndex(node.lane) * 10 + node.priority]!;
    const scaled = factor === 1 ? raw : now + Math.max(0, raw - now) * factor;
    const s = Math.max(scaled, earliest[k]!, latest[k]!);
    latest[k] = s;
    shown[i] = s;
  }
  return { startAt: shown, earliestOf: new Map(models.map((m, i) => [m, earliest[i]!])) };
}

/** The low and high ends of a shown start: the learned spread of outcomes around the forecast's wait. */
export function startRange(rawStartAt: number, shownStartAt: number, earliestAt: number, now: number, range: WaitRange): { low: number; high: number } {
  const wait = Math.max(0, rawStartAt - now);
  const low = Math.min(shownStartAt, Math.max(earliestAt, now + wait * range.low));
  const high = Math.max(shownStartAt + MIN_RANGE_MS, now + wait * range.high);
  return { low, high };
}
