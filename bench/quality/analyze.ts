/**
 * Turns one policy run (what the bench handed over and when) plus the simulator's record (what
 * it served and when) into scheduling-quality numbers, in simulated seconds.
 */
import type { RequestRecord, SimRecord } from '../../tools/lmstudio-sim/sim-record';
import {
  fairnessWhileBacklogged,
  jainIndex,
  median,
  percentile,
  slotUtilization,
  summarizeEtaError,
  type EtaErrorSummary,
  type EtaSample,
  type FairnessResult,
  type Interval,
} from './metrics';
import type { RunTrace } from './run-trace';
import type { Workload } from './workload';

/** Relative ETA errors are taken against at least this many simulated seconds of waiting. */
export const ETA_FLOOR_SECONDS = 5;
/**
 * A start counts as inside the forecast range when within this many simulated seconds of it: the
 * bench's own resolution (a few real ms of dispatch and HTTP at a 0.02 time scale).
 */
export const RANGE_SLACK_SECONDS = 1;

export interface FairnessSummary {
  measure: Workload['fairness'];
  owners: string[];
  /** backlogged-service: slot-seconds each received while all were backlogged; interactive-response: 1 / mean response seconds. */
  values: number[];
  /** backlogged-service only: simulated seconds in which all of them had work waiting. */
  windowSeconds: number | null;
  jain: number;
}

export interface WaitSummary {
  jobs: number;
  p50: number;
  p95: number;
  max: number;
}

export interface PolicyMetrics {
  policy: string;
  interactiveWait: WaitSummary;
  interactiveWaitByOwner: Record<string, WaitSummary>;
  /**
   * Chained requests (rag-team: a question's embedding, then its chat): from the first's arrival
   * to the last's finish. Null where the workload has no chains.
   */
  questionToAnswer: WaitSummary | null;
  /** Median start→finish of interactive requests: the goal's yardstick for waiting. */
  interactiveServiceMedian: number;
  /** From the batch's submission to its last job's finish. */
  batchCompletionSeconds: number;
  fairness: FairnessSummary;
  /** Loads and unloads after start-up (from the simulator's record), whoever caused them. */
  loads: number;
  unloads: number;
  /**
   * Requests generating on an instance as it was unloaded or evicted: cut off, or (on a simulator
   * that lets an evicted model's requests finish) cut off on an LM Studio that evicts.
   */
  requestsCutOff: number;
  /**
   * Requests the policy itself aborted and ran again (LM Queue preempting batch or background
   * work to make room for interactive work), and the output tokens they had produced: the cost.
   */
  preempted?: { requests: number; wastedTokens: number };
  utilization: number;
  /**
   * Utilization without generation after the request's model was unloaded or evicted under it:
   * what an LM Studio that cuts such requests off would have had busy. The same as `utilization`
   * for a policy that never unloads under a request.
   */
  deliveredUtilization: number;
  makespanSeconds: number;
  /** LM Queue only; null for policies that predict nothing. */
  eta: {
    /** Every job: the forecast's predicted start at submission. */
    all: EtaErrorSummary;
    /** Jobs that waited at least ETA_FLOOR_SECONDS: the goal's measure. */
    waited: EtaErrorSummary;
    byLane: Record<string, EtaErrorSummary>;
    /**
     * The ETA in the job `submit` returned (the 202 body), jobs that waited. The bench takes a
     * forecast after every submission, which keeps forecasts fresh for the next one, so this
     * understates how often a submission is shown a provisional back-of-the-queue place.
     */
    asReturnedBySubmit: EtaErrorSummary;
    /** The same, every job, per lane (a chat shown at the back of the queue shows up here). */
    asReturnedBySubmitByLane: Record<string, EtaErrorSummary>;
    /**
     * Share of actual starts inside the forecast range, [startsInSecondsLow, startsInSecondsHigh]
     * (each end the start itself where missing), ± RANGE_SLACK_SECONDS; every job.
     */
    insideRange: { jobs: number; share: number };
  } | null;
  failedJobs: number;
  /** Requests the simulator really cut off. */
  evictedRequests: number;
  /** Most requests inside the simulator at once (a well-behaved client stays at the slot count). */
  maxInFlightAtSimulator: number;
  maxMemoryBytes: number;
}

function summarizeWaits(waits: readonly number[]): WaitSummary {
  return { jobs: waits.length, p50: percentile(waits, 50), p95: percentile(waits, 95), max: waits.length ? Math.max(...waits) : NaN };
}

/** The request that served a job: its last attempt (earlier ones failed and were retried). */
function servedRequests(record: SimRecord): Map<string, RequestRecord> {
  const byId = new Map<string, RequestRecord>();
  for (const request of record.requests) {
    if (request.clientRequestId !== null && (request.endpoint === '/v1/chat/completions' || request.endpoint === '/v1/embeddings')) {
      byId.set(request.clientRequestId, request);
    }
  }
  return byId;
}

/** Inference requests that held a slot (loads and unloads are not requests). */
function slotHolders(record: SimRecord): RequestRecord[] {
  return record.requests.filter((r) => r.endpoint !== '/api/v1/models/load' && r.endpoint !== '/api/v1/models/unload' && r.startedAt !== null && r.finishedAt !== null);
}

/** When each inference request held a slot, in simulated seconds. */
export function busyIntervals(record: SimRecord, toSim: (wallMs: number) => number): Interval[] {
  return slotHolders(record).map((r) => ({ start: toSim(r.startedAt!), end: toSim(r.finishedAt!) }));
}

/**
 * `busyIntervals`, each cut at the first unload of its model while it ran: the simulator lets an
 * evicted model's requests finish (so no baseline needs retries), an evicting LM Studio would not.
 */
export function deliveredIntervals(record: SimRecord, toSim: (wallMs: number) => number): Interval[] {
  return slotHolders(record).map((r) => {
    const cutAt = record.unloads.filter((u) => u.model === r.model && u.at > r.startedAt! && u.at < r.finishedAt!).reduce((first, u) => Math.min(first, u.at), r.finishedAt!);
    return { start: toSim(r.startedAt!), end: toSim(cutAt) };
  });
}

export function analyzeRun(trace: RunTrace, record: SimRecord, workload: Workload, settings: { timeScale: number; slots: number }): PolicyMetrics {
  const toSim = (wallMs: number): number => (wallMs - trace.t0Ms) / 1000 / settings.timeScale;
  const served = servedRequests(record);
  const starts = new Map<string, number>();
  const finishes = new Map<string, number>();
  let failedJobs = 0;
  for (const job of workload.jobs) {
    const t = trace.jobs.get(job.id);
    const request = t ? served.get(t.requestId) : undefined;
    if (!t || !request || request.startedAt === null || request.finishedAt === null || !t.succeeded) {
      failedJobs++;
      continue;
    }
    starts.set(job.id, toSim(request.startedAt));
    finishes.set(job.id, toSim(request.finishedAt));
  }
  const arrival = (id: string): number => toSim(trace.jobs.get(id)!.arrivedAtMs);
  const done = workload.jobs.filter((j) => starts.has(j.id));
  const interactive = done.filter((j) => j.lane === 'interactive');
  const waitOf = (id: string): number => Math.max(0, starts.get(id)! - arrival(id));

  const byOwner: Record<string, WaitSummary> = {};
  for (const owner of workload.interactiveOwners) {
    byOwner[owner] = summarizeWaits(interactive.filter((j) => j.owner === owner).map((j) => waitOf(j.id)));
  }
  const batch = done.filter((j) => j.lane === 'batch');
  const batchStart = Math.min(...workload.jobs.filter((j) => j.lane === 'batch').map((j) => j.arrivalSeconds));

  const busy = busyIntervals(record, toSim);
  const lastFinish = Math.max(...finishes.values());
  const fairness = measureFairness(workload, done, { arrival, start: (id) => starts.get(id)!, finish: (id) => finishes.get(id)! });

  return {
    policy: trace.policy,
    interactiveWait: summarizeWaits(interactive.map((j) => waitOf(j.id))),
    interactiveWaitByOwner: byOwner,
    questionToAnswer: chainTimes(workload, (id) => (starts.has(id) ? arrival(id) : null), (id) => finishes.get(id) ?? null),
    interactiveServiceMedian: median(interactive.map((j) => finishes.get(j.id)! - starts.get(j.id)!)),
    batchCompletionSeconds: Math.max(...batch.map((j) => finishes.get(j.id)!)) - batchStart,
    fairness,
    loads: record.loads.length,
    unloads: record.unloads.length,
    requestsCutOff: record.unloads.reduce((sum, u) => sum + u.inFlight, 0),
    preempted: preemptedRequests(record.requests),
    utilization: slotUtilization(busy, settings.slots, { start: 0, end: lastFinish }),
    deliveredUtilization: slotUtilization(deliveredIntervals(record, toSim), settings.slots, { start: 0, end: lastFinish }),
    makespanSeconds: lastFinish,
    eta: etaErrors(trace, workload, done, toSim, settings.timeScale),
    failedJobs,
    evictedRequests: record.cutOff.length,
    maxInFlightAtSimulator: record.maxConcurrency,
    maxMemoryBytes: record.maxMemoryBytes,
  };
}

function chainTimes(workload: Workload, arrivalOf: (id: string) => number | null, finishOf: (id: string) => number | null): WaitSummary | null {
  const chained = workload.jobs.filter((j) => j.after !== undefined);
  if (chained.length === 0) return null;
  const times: number[] = [];
  for (const job of chained) {
    const asked = arrivalOf(job.after!);
    const answered = finishOf(job.id);
    if (asked !== null && answered !== null) times.push(answered - asked);
  }
  return summarizeWaits(times);
}

interface JobTimes {
  arrival(id: string): number;
  start(id: string): number;
  finish(id: string): number;
}

function measureFairness(workload: Workload, done: Workload['jobs'], times: JobTimes): FairnessSummary {
  if (workload.fairness === 'backlogged-service') {
    const result: FairnessResult = fairnessWhileBacklogged(
      workload.busyOwners.map((owner) => {
        const mine = done.filter((j) => j.owner === owner);
        return {
          owner,
          jobs: mine.map((j) => ({ start: times.arrival(j.id), end: times.finish(j.id) })),
          service: mine.map((j) => ({ start: times.start(j.id), end: times.finish(j.id) })),
        };
      }),
    );
    return { measure: workload.fairness, owners: result.owners, values: result.service, windowSeconds: result.windowSeconds, jain: result.jain };
  }
  // Each person's service rate: the inverse of their mean response time (arrival to finish).
  const values = workload.interactiveOwners.map((owner) => {
    const responses = done.filter((j) => j.owner === owner).map((j) => times.finish(j.id) - times.arrival(j.id));
    return responses.length ? responses.length / responses.reduce((a, b) => a + b, 0) : 0;
  });
  return { measure: workload.fairness, owners: [...workload.interactiveOwners], values, windowSeconds: null, jain: jainIndex(values) };
}

function etaErrors(
  trace: RunTrace,
  workload: Workload,
  done: Workload['jobs'],
  toSim: (wallMs: number) => number,
  timeScale: number,
): PolicyMetrics['eta'] {
  const samples = new Map<string, EtaSample>();
  let inside = 0;
  const returned: EtaSample[] = [];
  const returnedByLane: Record<string, EtaSample[]> = {};
  for (const job of done) {
    const t = trace.jobs.get(job.id)!;
    if (t.predictedStartInSeconds === null || t.startedAtMs === null) continue;
    const actual = Math.max(0, toSim(t.startedAtMs) - toSim(t.arrivedAtMs));
    samples.set(job.id, { predicted: t.predictedStartInSeconds / timeScale, actual });
    const low = Math.min(t.predictedStartLowInSeconds ?? t.predictedStartInSeconds, t.predictedStartInSeconds) / timeScale;
    const high = Math.max(t.predictedStartHighInSeconds ?? t.predictedStartInSeconds, t.predictedStartInSeconds) / timeScale;
    if (actual >= low - RANGE_SLACK_SECONDS && actual <= high + RANGE_SLACK_SECONDS) inside++;
    if (t.submitEtaSeconds !== null) {
      const sample = { predicted: t.submitEtaSeconds / timeScale, actual };
      returned.push(sample);
      (returnedByLane[job.lane] ??= []).push(sample);
    }
  }
  if (samples.size === 0) return null;
  const all = [...samples.values()];
  const byLane: Record<string, EtaErrorSummary> = {};
  for (const lane of new Set(workload.jobs.map((j) => j.lane))) {
    const inLane = done.filter((j) => j.lane === lane && samples.has(j.id)).map((j) => samples.get(j.id)!);
    if (inLane.length) byLane[lane] = summarizeEtaError(inLane, ETA_FLOOR_SECONDS);
  }
  return {
    all: summarizeEtaError(all, ETA_FLOOR_SECONDS),
    waited: summarizeEtaError(all.filter((s) => s.actual >= ETA_FLOOR_SECONDS), ETA_FLOOR_SECONDS),
    byLane,
    asReturnedBySubmit: summarizeEtaError(returned.filter((s) => s.actual >= ETA_FLOOR_SECONDS), ETA_FLOOR_SECONDS),
    asReturnedBySubmitByLane: Object.fromEntries(Object.entries(returnedByLane).map(([lane, list]) => [lane, summarizeEtaError(list, ETA_FLOOR_SECONDS)])),
    insideRange: { jobs: samples.size, share: inside / samples.size },
  };
}

/** Requests aborted by the client while generating, that is by the policy (the bench's clients never abort). */
function preemptedRequests(requests: ReadonlyArray<{ aborted: boolean; completionTokens: number }>): NonNullable<PolicyMetrics['preempted']> {
  const aborted = requests.filter((r) => r.aborted);
  return { requests: aborted.length, wastedTokens: aborted.reduce((sum, r) => sum + r.completionTokens, 0) };
}
