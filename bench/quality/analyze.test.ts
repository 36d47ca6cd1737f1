import { describe, expect, test } from 'vitest';
import { emptyRecord, type RequestRecord, type SimRecord } from '../../tools/lmstudio-sim/sim-record';
import { analyzeRun } from './analyze';
import type { JobTrace, RunTrace } from './run-trace';
import { MODEL_A, MODEL_B, type Workload, type WorkloadJob } from './workload';

const SCALE = 0.01; // one simulated second is 10 ms of wall time
const T0 = 1_000_000;
const wall = (simSeconds: number): number => T0 + simSeconds * 1000 * SCALE;

function job(id: string, owner: string, lane: WorkloadJob['lane'], model: string, arrivalSeconds: number): WorkloadJob {
  return { id, owner, lane, priority: 5, model, arrivalSeconds, kind: 'chat', input: { messages: [{ role: 'user', content: id }], max_tokens: 100 } };
}

function request(id: string, model: string, start: number, finish: number): RequestRecord {
  return {
    id: `chatcmpl-${id}`,
    clientRequestId: id,
    model,
    endpoint: '/v1/chat/completions',
    stream: true,
    arrivedAt: wall(start),
    startedAt: wall(start),
    firstTokenAt: wall(start),
    finishedAt: wall(finish),
    aborted: false,
    evicted: false,
    cutOffReason: null,
    status: 200,
    error: null,
    promptTokens: 10,
    completionTokens: 100,
  };
}

// Two slots. Carol's batch and Dave's background job arrive at 0; Alice chats at 10 and 20.
const workload: Workload = {
  seed: 1,
  models: [MODEL_A, MODEL_B],
  busyOwners: ['carol', 'dave'],
  interactiveOwners: ['alice'],
  fairness: 'backlogged-service',
  jobs: [
    job('c1', 'carol', 'batch', MODEL_A, 0),
    job('c2', 'carol', 'batch', MODEL_A, 0),
    job('d1', 'dave', 'background', MODEL_B, 0),
    job('a1', 'alice', 'interactive', MODEL_A, 10),
    job('a2', 'alice', 'interactive', MODEL_A, 20),
  ],
};
// start, finish (simulated seconds), and what LM Queue predicted at submission: start, top of the range
const served: Record<string, [number, number, number | null, number | null]> = {
  c1: [0, 30, 0, null],
  c2: [0, 12, 0, 0],
  a1: [12, 18, 2, 2.5],
  a2: [30, 40, 5, 12],
  d1: [43, 60, 50, 60],
};

function fixture(withEta: boolean): { trace: RunTrace; record: SimRecord } {
  const jobs = new Map<string, JobTrace>();
  for (const j of workload.jobs) {
    const [start, , predicted, high] = served[j.id]!;
    jobs.set(j.id, {
      arrivedAtMs: wall(j.arrivalSeconds),
      requestId: j.id,
      predictedStartInSeconds: withEta && predicted !== null ? predicted * SCALE : null,
      predictedStartLowInSeconds: withEta && j.id === 'd1' ? 42 * SCALE : null,
      predictedStartHighInSeconds: withEta && high !== null ? high * SCALE : null,
      submitEtaSeconds: withEta ? 1_000 * SCALE : null,
      startedAtMs: withEta ? wall(start) : null,
      succeeded: true,
    });
  }
  const requests = workload.jobs.map((j) => request(j.id, j.model, served[j.id]![0], served[j.id]![1]));
  const record: SimRecord = {
    ...emptyRecord(),
    requests,
    maxConcurrency: 2,
    maxActive: 2,
    concurrency: [],
    switches: [{ from: MODEL_A, to: MODEL_B, at: wall(40), reason: 'jit', inFlightOfPrevious: 1 }],
    loads: [{ model: MODEL_B, instanceId: MODEL_B, reason: 'jit', startedAt: wall(40), finishedAt: wall(43) }],
    unloads: [{ model: MODEL_A, instanceId: MODEL_A, reason: 'memory-evict', at: wall(40), inFlight: 1, cutOffRequestIds: [] }],
  };
  return { trace: { policy: withEta ? 'lm-queue' : 'fifo', t0Ms: T0, jobs }, record };
}

describe('analyzing a run', () => {
  test('counts the requests the policy aborted and ran again, and the output they threw away', () => {
    const { trace, record } = fixture(true);
    const preempted = { ...request('pre-1', MODEL_A, 5, 7), aborted: true, completionTokens: 37 };
    const m = analyzeRun(trace, { ...record, requests: [...record.requests, preempted] }, workload, { timeScale: SCALE, slots: 2 });
    expect(m.preempted).toEqual({ requests: 1, wastedTokens: 37 });
  });

  test('reports waits, batch completion, loads, unloads, cut-offs and utilization in simulated seconds', () => {
    const { trace, record } = fixture(false);
    const m = analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 });
    expect(m.interactiveWait.jobs).toBe(2);
    expect(m.interactiveWait.p50).toBeCloseTo(6); // waits 2 and 10
    expect(m.interactiveWaitByOwner.alice!.max).toBeCloseTo(10);
    expect(m.interactiveServiceMedian).toBeCloseTo(8); // services 6 and 10
    expect(m.batchCompletionSeconds).toBeCloseTo(30);
    expect([m.loads, m.unloads, m.requestsCutOff]).toEqual([1, 1, 1]);
    expect(m.preempted).toEqual({ requests: 0, wastedTokens: 0 });
    expect(m.makespanSeconds).toBeCloseTo(60);
    // busy: 30 + 12 + 6 + 10 + 17 = 75 slot-seconds out of 2 × 60
    expect(m.utilization).toBeCloseTo(75 / 120);
    expect(m.eta).toBeNull();
    expect(m.failedJobs).toBe(0);
  });

  test("counts as delivered only what ran before its model was unloaded under it", () => {
    const { trace, record } = fixture(false);
    // Generating on A from 35 to 50 while A is unloaded at 40: 5 of its 15 seconds would have been delivered.
    const late = request('late-1', MODEL_A, 35, 50);
    const m = analyzeRun(trace, { ...record, requests: [...record.requests, late] }, workload, { timeScale: SCALE, slots: 2 });
    expect(m.utilization).toBeCloseTo((75 + 15) / 120);
    expect(m.deliveredUtilization).toBeCloseTo((75 + 5) / 120);
    // Without an unload under it, all of it counts.
    expect(analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 }).deliveredUtilization).toBeCloseTo(75 / 120);
  });

  test('measures fairness only while both busy owners had work', () => {
    const { trace, record } = fixture(false);
    const { fairness } = analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 });
    // Carol is backlogged 0-30 and Dave 0-60: the window is 0-30, where Dave got nothing.
    expect(fairness.windowSeconds).toBeCloseTo(30);
    expect(fairness.values[0]).toBeCloseTo(42);
    expect(fairness.values[1]).toBeCloseTo(0);
    expect(fairness.jain).toBeCloseTo(0.5);
  });

  test('with one backlogged owner, measures fairness between the interactive owners’ mean response times', () => {
    const { trace, record } = fixture(false);
    const two: Workload = { ...workload, interactiveOwners: ['alice', 'carol'], fairness: 'interactive-response' };
    const { fairness } = analyzeRun(trace, record, two, { timeScale: SCALE, slots: 2 });
    // alice: responses 8 and 20 (mean 14); carol: 30 and 12 (mean 21)
    expect(fairness.values[0]).toBeCloseTo(1 / 14);
    expect(fairness.values[1]).toBeCloseTo(1 / 21);
    expect(fairness.jain).toBeCloseTo((1 / 14 + 1 / 21) ** 2 / (2 * (1 / 14 ** 2 + 1 / 21 ** 2)));
  });

  test('judges predicted starts against real ones, converting the engine wall seconds', () => {
    const { trace, record } = fixture(true);
    const { eta } = analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 });
    // errors: c1, c2 exact; a1 |2-2| = 0; a2 |5-10|/10 = 50%; d1 |50-43|/43 ≈ 16%
    expect(eta!.all.jobs).toBe(5);
    expect(eta!.all.medianPercent).toBeCloseTo(0);
    expect(eta!.waited.jobs).toBe(2);
    expect(eta!.waited.medianPercent).toBeCloseTo((50 + (7 / 43) * 100) / 2);
    expect(eta!.byLane.background!.medianBiasPercent).toBeCloseTo((7 / 43) * 100);
    // submit said "starts in 1000 s" for every job: judged separately
    expect(eta!.asReturnedBySubmit.jobs).toBe(2);
    expect(eta!.asReturnedBySubmit.medianBiasPercent).toBeGreaterThan(1_000);
    expect(eta!.asReturnedBySubmitByLane.interactive!.jobs).toBe(2);
    // waits inside [low, high] ± 1 s (a missing end is the start): c1 ([0, 0]), c2, a1 (2 in [2, 2.5]), a2 (10 in [5, 12]), d1 (43 in [42, 60])
    expect(eta!.insideRange).toEqual({ jobs: 5, share: 1 });
    const withoutLow = fixture(true);
    withoutLow.trace.jobs.get('d1')!.predictedStartLowInSeconds = null;
    expect(analyzeRun(withoutLow.trace, withoutLow.record, workload, { timeScale: SCALE, slots: 2 }).eta!.insideRange.share).toBe(4 / 5);
  });

  test('times a chain from its first request’s arrival to its last one’s finish', () => {
    const { trace, record } = fixture(false);
    const chained: Workload = { ...workload, jobs: workload.jobs.map((j) => (j.id === 'a2' ? { ...j, after: 'a1' } : j)) };
    const m = analyzeRun(trace, record, chained, { timeScale: SCALE, slots: 2 });
    // a1 arrives at 10, a2 finishes at 40
    expect(m.questionToAnswer).toMatchObject({ jobs: 1, p50: 30 });
    expect(analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 }).questionToAnswer).toBeNull();
  });

  test('counts a job the simulator never served as failed', () => {
    const { trace, record } = fixture(false);
    record.requests = record.requests.filter((r) => r.clientRequestId !== 'a2');
    const m = analyzeRun(trace, record, workload, { timeScale: SCALE, slots: 2 });
    expect(m.failedJobs).toBe(1);
    expect(m.interactiveWait.jobs).toBe(1);
  });
});
