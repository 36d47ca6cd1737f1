/** The targets of issue 13, per workload, each judged against the same run's baselines. */
import type { PolicyMetrics } from './analyze';
import type { WorkloadName } from './workloads';

export interface GoalResult {
  goal: string;
  target: string;
  measured: string;
  pass: boolean;
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const pct = (share: number): string => `${fmt(share * 100)}%`;

/** Below this many jobs that waited, the ETA error is taken over every job (the floor still applies). */
const MIN_WAITED_SAMPLES = 5;

export interface PoliciesOfRun {
  lmQueue: PolicyMetrics;
  /** LM Queue restarted after two days of the same team: its ETAs have learned from them. */
  thirdDay?: PolicyMetrics;
  fifo: PolicyMetrics;
  strictPriority: PolicyMetrics;
  /** Where models do not fit together: the fewest loads any schedule could make with its interactive p95 within a limit (switch-floor.ts). */
  loadsFloor?: (waitLimitSeconds: number) => number;
}

function etaGoals(lmQueue: PolicyMetrics, day: string): GoalResult[] {
  const eta = lmQueue.eta;
  const basis = eta && eta.waited.jobs >= MIN_WAITED_SAMPLES ? { summary: eta.waited, label: 'jobs that waited' } : { summary: eta?.all, label: 'every job' };
  const error = basis.summary?.medianPercent ?? NaN;
  const inside = eta?.insideRange.share ?? NaN;
  return [
    {
      goal: `ETA, ${day}: median error of predicted start ≤ 25% (${basis.label})`,
      target: '≤ 25%',
      measured: `${fmt(error)}%`,
      pass: error <= 25,
    },
    {
      goal: `ETA, ${day}: actual starts inside the forecast range ≥ 80%`,
      target: '≥ 80%',
      measured: pct(inside),
      pass: inside >= 0.8,
    },
  ];
}

function residentGoals({ lmQueue, fifo }: PoliciesOfRun): GoalResult[] {
  const floor = fifo.utilization * 0.95;
  return [
    {
      goal: 'No load or unload by LM Queue after start-up',
      target: '0',
      measured: `${lmQueue.loads} loads, ${lmQueue.unloads} unloads`,
      pass: lmQueue.loads + lmQueue.unloads === 0,
    },
    {
      goal: 'Interactive p95 wait ≤ one median interactive service time',
      target: `≤ ${fmt(lmQueue.interactiveServiceMedian)} s`,
      measured: `${fmt(lmQueue.interactiveWait.p95)} s`,
      pass: lmQueue.interactiveWait.p95 <= lmQueue.interactiveServiceMedian,
    },
    {
      goal: "Slot utilization ≥ 95% of FIFO's",
      target: `≥ ${pct(floor)}`,
      measured: pct(lmQueue.utilization),
      pass: lmQueue.utilization >= floor,
    },
    {
      goal: 'Jain fairness ≥ 0.95',
      target: '≥ 0.95',
      measured: fmt(lmQueue.fairness.jain, 3),
      pass: lmQueue.fairness.jain >= 0.95,
    },
  ];
}

function roomForOneGoals({ lmQueue, fifo, strictPriority, loadsFloor }: PoliciesOfRun): GoalResult[] {
  const waitLimit = strictPriority.interactiveWait.p95 * 1.5;
  // Against what FIFO delivered: the simulator let FIFO's requests on an evicted model finish,
  // an LM Studio that evicts cuts them off (their generation after it is no work done).
  const floor = fifo.deliveredUtilization * 0.9;
  return [
    {
      goal: "Interactive p95 wait ≤ 1.5x strict priority's",
      target: `≤ ${fmt(waitLimit)} s`,
      measured: `${fmt(lmQueue.interactiveWait.p95)} s`,
      pass: lmQueue.interactiveWait.p95 <= waitLimit,
    },
    {
      goal: 'No request cut off',
      target: '0',
      measured: String(lmQueue.requestsCutOff),
      pass: lmQueue.requestsCutOff === 0,
    },
    {
      goal: "Model loads ≤ FIFO's",
      target: `≤ ${fifo.loads}`,
      measured: `${lmQueue.loads}` + (loadsFloor ? ` (any schedule within the p95 limit: ≥ ${loadsFloor(waitLimit)})` : ''),
      pass: lmQueue.loads <= fifo.loads,
    },
    {
      goal: "Slot utilization ≥ 90% of FIFO's (without generation an evicting LM Studio would have cut off)",
      target: `≥ ${pct(floor)} (FIFO ${pct(fifo.deliveredUtilization)}; with it ${pct(fifo.utilization)}, 90%: ${pct(fifo.utilization * 0.9)})`,
      measured: pct(lmQueue.utilization),
      pass: lmQueue.utilization >= floor,
    },
  ];
}

export function evaluateGoals(workload: WorkloadName, policies: PoliciesOfRun): GoalResult[] {
  const specific = workload === 'room-for-one' ? roomForOneGoals(policies) : residentGoals(policies);
  const thirdDay = policies.thirdDay ? etaGoals(policies.thirdDay, 'third day') : [];
  return [...specific, ...etaGoals(policies.lmQueue, 'first day'), ...thirdDay];
}
