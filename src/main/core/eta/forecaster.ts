import type { Backend } from '../backend';
import type { Clock } from '../clock';
import type { FairShare } from '../scheduler/fair-share';
import type { Dispatcher } from '../scheduler/dispatcher';
import type { PolicyParams } from '../scheduler/policy';
import type { QueueIndex, QueueNode } from '../scheduler/queue-index';
import type { EtaCalibration } from './eta-calibration';
import { forecast, type Forecast, type RunningJobView } from './forecast';
import { ShownTimes, startRange } from './shown-times';
import { remainingMs } from './running-estimate';
import type { ServiceModel } from './service-model';

/** A queued job's place: the forecast's start (`rawStartAt`) and the times shown, with their range. */
export interface Place {
  position: number;
  rawStartAt: number;
  startAt: number;
  finishAt: number;
  startLowAt: number;
  startHighAt: number;
  finishHighAt: number;
}

export interface ForecasterDeps {
  index: QueueIndex;
  dispatcher: Dispatcher;
  fair: FairShare;
  service: ServiceModel;
  backend: Backend;
  params: () => PolicyParams;
  clock: Clock;
  calibration: EtaCalibration;
}

/** ETAs drift with time even when nothing changes; refresh at least this often when asked. */
const MAX_AGE_MS = 1_000;

/**
 * Keeps the latest forecast (dispatch order, positions, ETAs) and recomputes it only when the
 * queue, the running set or the clock has moved on.
 */
export class Forecaster {
  private result: Forecast = { order: [], startAt: new Float64Array(0), finishAt: new Float64Array(0) };
  private shown: ShownTimes;
  private computedAt = -Infinity;
  private computedVersion = -1;
  private runningKey = '';
  /** Milliseconds the last recompute took (bench and adaptive throttling read it). */
  lastDurationMs = 0;
  private finishedAt = -Infinity;

  constructor(private readonly deps: ForecasterDeps) {
    this.shown = new ShownTimes([], this.result.startAt, 0, deps.calibration);
  }

  /** The queue in predicted dispatch order, recomputed if stale. */
  current(): Forecast {
    const { index, dispatcher, clock } = this.deps;
    const now = clock.now();
    const models = dispatcher.room.view;
    const runningKey = `${dispatcher.running.size}:${[...models.resident.keys()].join()}:${models.busy}:${models.making?.model ?? ''}`;
    const stale =
      index.version !== this.computedVersion || runningKey !== this.runningKey || now - this.computedAt > MAX_AGE_MS;
    if (stale) this.recompute(now, runningKey);
    return this.result;
  }

  /** The latest forecast as it is (no recompute). */
  get latest(): Forecast {
    return this.result;
  }

  /** A queued node's place and times in the latest forecast, or null if it was not placed. */
  placeOf(node: QueueNode): Place | null {
    const { order, startAt, finishAt } = this.result;
    const slot = node.position - 1;
    if (slot < 0 || order[slot] !== node || slot >= this.shown.length) return null;
    const now = this.deps.clock.now();
    const rawStartAt = startAt[slot]!;
    const shownStart = this.shown.startAt(slot);
    const runMs = finishAt[slot]! - rawStartAt;
    const earliest = this.shown.earliestOf(node.model) ?? rawStartAt;
    const range = startRange(shownStart, earliest, now, this.deps.calibration.range(node.lane, node.priority, node.position));
    return {
      position: node.position,
      rawStartAt,
      startAt: shownStart,
      finishAt: shownStart + runMs,
      startLowAt: range.low,
      startHighAt: range.high,
      finishHighAt: range.high + runMs,
    };
  }

  /** When the job at `position` in the latest forecast is shown to start (a provisional start), or null. */
  startAtPosition(position: number): number | null {
    const slot = Math.min(position, this.shown.length) - 1;
    return slot < 0 ? null : this.shown.startAt(slot);
  }

  /** Real milliseconds since the last recompute finished. */
  ageMs(): number {
    return performance.now() - this.finishedAt;
  }

  /** Whether a request may recompute inside its own time (a forecast under 2 ms). */
  get cheap(): boolean {
    return this.lastDurationMs < 2;
  }

  /** Cheap, and recent forecasts have taken at most a tenth of the time (bursts of submissions). */
  affordable(): boolean {
    return this.cheap && this.ageMs() >= 10 * this.lastDurationMs;
  }

  private recompute(now: number, runningKey: string): void {
    const { index, dispatcher, fair, service, backend, params } = this.deps;
    const started = performance.now();
    const running: RunningJobView[] = [];
    for (const run of dispatcher.running.values()) {
      running.push({ entry: run.entry, expectedFinishAt: now + remainingMs(run, now) });
    }
    const state = backend.state();
    const retryAt = state.status === 'down' && state.retryAt ? Date.parse(state.retryAt) : now;
    // The new times are written into the old forecast's arrays: fresh arrays of 100k times cost a
    // page fault per 4 KB written (~5% of a 100k forecast). Nothing reads an old forecast once a
    // new one is made (readers ask for the latest, synchronously), so one set of arrays is enough.
    this.result = forecast({
      reuse: this.result,
      index,
      running,
      models: dispatcher.room.view,
      fair,
      params: params(),
      service,
      now,
      resumeInMs: Math.max(0, retryAt - now),
    });
    this.shown = new ShownTimes(this.result.order, this.result.startAt, now, this.deps.calibration, this.shown.buffer);
    this.computedAt = now;
    this.computedVersion = index.version;
    this.runningKey = runningKey;
    this.finishedAt = performance.now();
    this.lastDurationMs = this.finishedAt - started;
  }
}
