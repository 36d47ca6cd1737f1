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
  /** LM Queue only: the forecast range from the same forecast, `eta.startsInSecondsLow` and `…High` (missing: the start itself). */
  predictedStartLowInSeconds: number | null;
  predictedStartHighInSeconds: number | null;
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

export interface Replay {
  /** Wall-clock ms of simulated time 0. */
  t0Ms: number;
  /** Resolves once every job has been handed over. */
  done: Promise<void>;
  /** Tells the replay a job has finished: the jobs that wait for it are handed over now. */
  finished(jobId: string): void;
}

/**
 * Calls `onArrive` for each job at t0 + arrival × timeScale (jobs due together come in one call,
 * in workload order), and for a job with `after` once that job has finished.
 */
export function replayArrivals(jobs: readonly WorkloadJob[], timeScale: number, onArrive: (due: WorkloadJob[]) => void): Replay {
  const groups = new Map<number, WorkloadJob[]>();
  const dependents = new Map<string, WorkloadJob[]>();
  const add = <K>(map: Map<K, WorkloadJob[]>, key: K, job: WorkloadJob): void => void map.set(key, [...(map.get(key) ?? []), job]);
  for (const job of jobs) {
    if (job.after === undefined) add(groups, job.arrivalSeconds, job);
    else add(dependents, job.after, job);
  }
  let handedOver = 0;
  let resolveDone: () => void = () => {};
  let rejectDone: (error: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const handOver = (due: WorkloadJob[]): void => {
    try {
      onArrive(due);
    } catch (error) {
      rejectDone(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    handedOver += due.length;
    if (handedOver === jobs.length) resolveDone();
  };
  const t0Ms = Date.now();
  if (jobs.length === 0) resolveDone();
  for (const [at, due] of groups) setTimeout(() => handOver(due), Math.max(0, t0Ms + at * 1000 * timeScale - Date.now()));
  return {
    t0Ms,
    done,
    finished(jobId) {
      const due = dependents.get(jobId);
      if (!due) return;
      dependents.delete(jobId);
      handOver(due);
    },
  };
}

/** Rejects after `ms` with a message naming what took too long. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
