/**
 * LM Queue itself as a policy: the real engine (store, scheduler, forecaster, LM Studio client)
 * in front of the simulator, jobs submitted with `engine.submit` at their arrival times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../../src/main/core/config';
import { createEngine } from '../../src/main/core/engine';
import type { Engine } from '../../src/main/core/engine-api';
import type { RequestSpec } from './baseline-queues';
import { replayArrivals, withTimeout, type JobTrace, type RunTrace } from './run-trace';
import type { WorkloadJob } from './workload';

export interface LmQueueRunOptions {
  simUrl: string;
  models: readonly string[];
  /** The engine's bound on requests in flight (every resident model's slots). */
  slots: number;
  /** The memory budget the workload's LM Studio has (engine `modelMemoryBytes`). */
  modelMemoryBytes: number;
  pinnedModels?: readonly string[];
  timeScale: number;
  timeoutMs: number;
  /** Runs before the measured workload so the engine has learned speeds (as after a day's use). */
  warmUp: (submit: (request: RequestSpec) => Promise<void>) => Promise<void>;
  /** Called between warm-up and the measured workload (the bench resets the simulator's record). */
  beforeMeasuring: () => Promise<void>;
  /** Engine settings to try instead of the defaults (seconds are simulated, scaled here). */
  engine?: EngineOverrides;
  /** Names the run in the results (default `lm-queue`). */
  label?: string;
  /** The engine's data directory, kept after the run (a later run restarts on it); default: a fresh one, removed. */
  dataDir?: string;
}

export type EngineOverrides = Pick<EngineConfig, 'laneCaps' | 'agingSeconds' | 'switchBoundSeconds' | 'maxRunningPerOwner'>;

/**
 * The engine runs on the wall clock while the simulator runs `timeScale` times faster. Settings
 * the engine holds in seconds (aging, switch bound) are scaled to keep their simulated meaning.
 * Its service times need no scaling: they are learned in the warm-up (a learned speed includes
 * each request's overhead; the fixed default applies only before any is learned).
 */
async function waitForBackend(engine: Engine, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (engine.backend().status !== 'up' || engine.models().length === 0) {
    if (Date.now() > deadline) throw new Error(`LM Queue did not see the simulator within ${timeoutMs} ms: ${JSON.stringify(engine.backend())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `eta.startsInSecondsLow` / `eta.startsInSecondsHigh`, read loosely so the bench runs on engines without them. */
function rangeEndOf(eta: object | null | undefined, end: 'startsInSecondsLow' | 'startsInSecondsHigh'): number | null {
  const value = (eta as Record<string, unknown> | null | undefined)?.[end];
  return typeof value === 'number' ? value : null;
}

export async function runLmQueue(jobs: readonly WorkloadJob[], options: LmQueueRunOptions): Promise<RunTrace> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lmq-quality-'));
  const engine = await createEngine({
    dataDir,
    backend: { url: options.simUrl },
    maxConcurrency: options.slots,
    modelMemoryBytes: options.modelMemoryBytes,
    pinnedModels: options.pinnedModels,
    laneCaps: options.engine?.laneCaps,
    maxRunningPerOwner: options.engine?.maxRunningPerOwner,
    agingSeconds: (options.engine?.agingSeconds ?? 60) * options.timeScale,
    switchBoundSeconds: (options.engine?.switchBoundSeconds ?? 60) * options.timeScale,
  });
  try {
    await waitForBackend(engine, 10_000);
    await options.warmUp(async ({ kind, model, input }) => {
      const job = engine.submit({ kind, model, lane: 'interactive', input }, { owner: 'warmup' });
      await engine.waitForFinish(job.id);
    });
    await options.beforeMeasuring();

    const traces = new Map<string, JobTrace>();
    // The LAN server's event hub (and the desktop Queue tab) always listen for job updates, which
    // is what keeps positions and ETAs recomputed; without a listener they would go stale.
    const stopListening = engine.on('job.updated', () => {});
    const finishes: Promise<void>[] = [];
    const replay = replayArrivals(jobs, options.timeScale, (due) => {
      for (const job of due) {
        const arrivedAtMs = Date.now();
        const submitted = engine.submit({ kind: job.kind, model: job.model, lane: job.lane, priority: job.priority, input: job.input }, { owner: job.owner });
        // A snapshot always recomputes the forecast: the job's place as the policy predicts it,
        // whatever the engine's budget for recomputing on submit allowed.
        engine.snapshot({ offset: 0, limit: 1 });
        const forecast = engine.get(submitted.id);
        const queued = forecast.state === 'queued';
        const start = queued ? (forecast.eta?.startsInSeconds ?? null) : 0;
        const trace: JobTrace = {
          arrivedAtMs,
          requestId: submitted.id,
          predictedStartInSeconds: start,
          predictedStartLowInSeconds: queued ? (rangeEndOf(forecast.eta, 'startsInSecondsLow') ?? start) : 0,
          predictedStartHighInSeconds: queued ? (rangeEndOf(forecast.eta, 'startsInSecondsHigh') ?? start) : 0,
          submitEtaSeconds: submitted.eta?.startsInSeconds ?? null,
          startedAtMs: null,
          succeeded: false,
        };
        traces.set(job.id, trace);
        finishes.push(
          engine.waitForFinish(submitted.id).then((finished) => {
            trace.succeeded = finished.state === 'succeeded';
            trace.startedAtMs = finished.startedAt === null ? null : Date.parse(finished.startedAt);
            replay.finished(job.id);
          }),
        );
      }
    });
    await withTimeout(
      replay.done.then(() => Promise.all(finishes)),
      options.timeoutMs,
      'the LM Queue run',
    );
    stopListening();
    return { policy: options.label ?? 'lm-queue', t0Ms: replay.t0Ms, jobs: traces };
  } finally {
    await engine.close({ graceMs: 0 });
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
