/** The targets LM Queue is held to on the team workload, judged against the anchors' numbers. */
import type { PolicyMetrics } from './analyze';

export interface GoalResult {
  goal: string;
  target: string;
  measured: string;
  pass: boolean;
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function evaluateGoals(lmQueue: PolicyMetrics, fifo: PolicyMetrics): GoalResult[] {
  const switchLimit = fifo.modelSwitches / 5;
  const utilizationFloor = fifo.utilization * 0.95;
  const eta = lmQueue.eta?.waited.medianPercent ?? NaN;
  return [
    {
      goal: 'Interactive p95 wait ≤ one median interactive service time',
      target: `≤ ${fmt(lmQueue.interactiveServiceMedian)} s`,
      measured: `${fmt(lmQueue.interactiveWait.p95)} s`,
      pass: lmQueue.interactiveWait.p95 <= lmQueue.interactiveServiceMedian,
    },
    {
      goal: "Model switches ≤ 1/5 of FIFO's",
      target: `≤ ${fmt(switchLimit)}`,
      measured: String(lmQueue.modelSwitches),
      pass: lmQueue.modelSwitches <= switchLimit,
    },
    {
      goal: "Slot utilization ≥ 95% of FIFO's",
      target: `≥ ${fmt(utilizationFloor * 100)}%`,
      measured: `${fmt(lmQueue.utilization * 100)}%`,
      pass: lmQueue.utilization >= utilizationFloor,
    },
    {
      goal: 'Jain fairness between the busy owners ≥ 0.95',
      target: '≥ 0.95',
      measured: fmt(lmQueue.fairness.jain, 3),
      pass: lmQueue.fairness.jain >= 0.95,
    },
    {
      goal: 'ETA: median error of predicted start ≤ 20% (jobs that waited)',
      target: '≤ 20%',
      measured: `${fmt(eta)}%`,
      pass: eta <= 20,
    },
  ];
}
