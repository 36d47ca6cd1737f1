/**
 * What a policy run leaves behind for analysis, and the arrival replay every policy shares:
 * jobs are handed over at their simulated arrival times, scaled to wall time.
 */
import type { WorkloadJob } from './workload';

export interface JobTrace {
  /** Wall-clock ms when the job was handed to the policy. */
  arrivedAtMs: number;
  /** The X-Request-Id the simulator recorded for it (LM Queue sends its own job id). */
  requestId: string;
  /**
   * LM Queue only: `eta.startsInSeconds` from a fresh forecast taken at submission (wall seconds):
   * what the scheduler predicts for the job.
   */
  predictedStartInSeconds: number | null;
  /**
   * LM Queue only: `eta.startsInSeconds` in the job `submit` returned (the HTTP 202 body), which
   * may be a provisional back-of-the-queue value while forecasts are rationed.
   */
  submitEtaSeconds: number | null;
  /** LM Queue only: when the engine says the job started (wall-clock ms). */
  startedAtMs: number | null;
  succeeded: boolean;
}

export interface RunTrace {
  policy: string;
  /** Wall-clock ms of simulated time 0. */
  t0Ms: number;
  jobs: Map<string, JobTrace>;
}

/**
 * Calls `onArrive` for each job at t0 + arrival × timeScale; jobs due together come in one call,
 * in workload order. Resolves once every job has been handed over.
 */
export function replayArrivals(jobs: readonly WorkloadJob[], timeScale: number, onArrive: (due: WorkloadJob[]) => void): { t0Ms: number; done: Promise<void> } {
  const groups = new Map<number, WorkloadJob[]>();
  for (const job of jobs) {
    const group = groups.get(job.arrivalSeconds) ?? [];
    group.push(job);
    groups.set(job.arrivalSeconds, group);
  }
  const t0Ms = Date.now();
  const done = Promise.all(
    [...groups.entries()].map(
      ([at, due]) =>
        new Promise<void>((resolve, reject) => {
          setTimeout(
            () => {
              try {
                onArrive(due);
                resolve();
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
              }
            },
            Math.max(0, t0Ms + at * 1000 * timeScale - Date.now()),
          );
        }),
    ),
  ).then(() => undefined);
  return { t0Ms, done };
}

/** Rejects after `ms` with a message naming what took too long. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
