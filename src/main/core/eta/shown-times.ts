/**
 * The start times people are shown: the forecast's, corrected by what the calibration learned,
 * yet still in agreement with the positions. Per model, a later position never starts before an
 * earlier one, and no start comes before the model's first queued job could start (when a slot or
 * the model is first free), so a lateness factor can stretch waits but never reorder them.
 */
import type { QueueNode } from '../scheduler/queue-index';
import type { EtaCalibration, FactorTable, WaitRange } from './eta-calibration';

/** A range's upper end is at least this far past its point: "starts in ~0 s" can still slip a little. */
const MIN_RANGE_MS = 1_000;

function laneIndex(lane: QueueNode['lane']): number {
  return lane === 'interactive' ? 0 : lane === 'batch' ? 1 : 2;
}

/**
 * Shown starts, worked out along the order only as far as someone asks: most reads are the
 * first page and single jobs, and a pass over 100,000 jobs was a tenth of a forecast (measured).
 */
export class ShownTimes {
  private readonly shown: Float64Array;
  readonly length: number;
  private readonly factors: FactorTable;
  private computed = 0;
  // Few models: parallel arrays searched from the last hit beat a Map per job.
  private readonly models: string[] = [];
  private readonly latest: number[] = [];
  private readonly earliest: number[] = [];
  private k = -1;

  constructor(
    private readonly order: readonly QueueNode[],
    private readonly rawStartAt: Float64Array,
    private readonly now: number,
    calibration: EtaCalibration,
    /** The times of a ShownTimes being replaced, written over when big enough (no fresh pages). */
    spare?: Float64Array,
  ) {
    this.length = Math.min(order.length, rawStartAt.length);
    this.shown = spare && spare.length >= this.length ? spare : new Float64Array(this.length);
    this.factors = calibration.factorTable();
  }

  /** The array behind the shown times, for the next ShownTimes to reuse. */
  get buffer(): Float64Array {
    return this.shown;
  }

  /** The shown start of the job at `slot` (position - 1). */
  startAt(slot: number): number {
    this.extendTo(slot);
    return this.shown[slot]!;
  }

  /** The forecast start of the model's first queued job, once a job of it has been read. */
  earliestOf(model: string): number | undefined {
    const k = this.models.indexOf(model);
    return k < 0 ? undefined : this.earliest[k];
  }

  private extendTo(slot: number): void {
    const { order, rawStartAt, shown, models, latest, earliest, factors, now } = this;
    let k = this.k;
    for (let i = this.computed; i <= slot && i < this.length; i++) {
      const node = order[i]!;
      const raw = rawStartAt[i]!;
      if (k < 0 || models[k] !== node.model) {
        k = models.indexOf(node.model);
        if (k < 0) {
          k = models.push(node.model) - 1;
          latest.push(-Infinity);
          earliest.push(raw);
        }
      }
      const factor = factors.at(laneIndex(node.lane), node.priority, i + 1);
      const scaled = factor === 1 ? raw : now + Math.max(0, raw - now) * factor;
      const s = Math.max(scaled, earliest[k]!, latest[k]!);
      latest[k] = s;
      shown[i] = s;
    }
    this.k = k;
    this.computed = Math.max(this.computed, Math.min(slot + 1, this.length));
  }
}

/** The low and high ends of a shown start: the learned spread of outcomes around the waits shown. */
export function startRange(shownStartAt: number, earliestAt: number, now: number, range: WaitRange): { low: number; high: number } {
  const wait = Math.max(0, shownStartAt - now);
  const low = Math.min(shownStartAt, Math.max(earliestAt, now + wait * range.low));
  const high = Math.max(shownStartAt + MIN_RANGE_MS, now + wait * range.high);
  return { low, high };
}
