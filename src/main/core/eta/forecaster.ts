import type { Backend } from '../backend';
import type { Clock } from '../clock';
import type { FairShare } from '../scheduler/fair-share';
import type { Dispatcher } from '../scheduler/dispatcher';
import type { PolicyParams } from '../scheduler/policy';
import type { QueueIndex, QueueNode } from '../scheduler/queue-index';
import { forecast, type Forecast, type RunningJobView } from './forecast';
import { remainingMs } from './running-estimate';
import type { ServiceModel } from './service-model';

/** ETAs drift with time even when nothing changes; refresh at least this often when asked. */
const MAX_AGE_MS = 1_000;

/**
 * Keeps the latest forecast (dispatch order, positions, ETAs) and recomputes it only when the
 * queue, the running set or the clock has moved on.
 */
export class Forecaster {
  private result: Forecast = { order: [], startAt: new Float64Array(0), finishAt: new Float64Array(0) };
  private computedAt = -Infinity;
  private computedVersion = -1;
  private runningKey = '';
  /** Milliseconds the last recompute took (bench and adaptive throttling read it). */
  lastDurationMs = 0;
  private finishedAt = -Infinity;

  constructor(
    private readonly deps: {
      index: QueueIndex;
      dispatcher: Dispatcher;
      fair: FairShare;
      service: ServiceModel;
      backend: Backend;
      params: () => PolicyParams;
      clock: Clock;
    },
  ) {}

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

  /** A queued node's place and times in the latest forecast, or null if it was not placed. */
  placeOf(node: QueueNode): { position: number; startAt: number; finishAt: number } | null {
    const { order, startAt, finishAt } = this.result;
    const slot = node.position - 1;
    if (slot < 0 || order[slot] !== node) return null;
    return { position: node.position, startAt: startAt[slot]!, finishAt: finishAt[slot]! };
  }

  /** When the job at `position` in the latest forecast starts (a provisional start), or null. */
  startAtPosition(position: number): number | null {
    const slot = Math.min(position, this.result.order.length, this.result.startAt.length) - 1;
    return slot < 0 ? null : this.result.startAt[slot]!;
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

  /** Last computed forecast without recomputing. */
  latest(): Forecast {
    return this.result;
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
    this.result = forecast({
      index,
      running,
      models: dispatcher.room.view,
      fair,
      params: params(),
      service,
      now,
      resumeInMs: Math.max(0, retryAt - now),
    });
    this.computedAt = now;
    this.computedVersion = index.version;
    this.runningKey = runningKey;
    this.finishedAt = performance.now();
    this.lastDurationMs = this.finishedAt - started;
  }
}
