/** The scheduling-quality part of SUMMARY.md: policies side by side, goals, charts. */
import type { PolicyMetrics } from '../quality/analyze';
import type { QualityResult } from '../quality/quality-bench';
import { chartImage, num, percent, table, type ChartFile, type Section } from './markdown';
import { renderBarChart } from './svg-bar-chart';

const POLICY_NAMES: Record<string, string> = {
  fifo: 'FIFO (LM Studio, Ollama)',
  'strict-priority': 'Strict priority (Celery, BullMQ, LiteLLM)',
  'lm-queue': 'LM Queue',
};

export function policyName(policy: string): string {
  if (POLICY_NAMES[policy]) return POLICY_NAMES[policy];
  return policy.startsWith('lm-queue:') ? `LM Queue (${policy.slice('lm-queue:'.length)})` : policy;
}

const isOurs = (policy: string): boolean => policy.startsWith('lm-queue');

function metricRows(policies: PolicyMetrics[]): string[][] {
  const row = (label: string, value: (p: PolicyMetrics) => string): string[] => [label, ...policies.map(value)];
  const owners = Object.keys(policies[0]?.interactiveWaitByOwner ?? {});
  return [
    row('Interactive wait p50 (s)', (p) => num(p.interactiveWait.p50)),
    row('Interactive wait p95 (s)', (p) => num(p.interactiveWait.p95)),
    ...owners.map((owner) => row(`— ${owner}: wait p95 (s)`, (p) => num(p.interactiveWaitByOwner[owner]?.p95))),
    row('Median interactive service time (s)', (p) => num(p.interactiveServiceMedian)),
    row('Batch completion (s)', (p) => num(p.batchCompletionSeconds, 0)),
    row('Model switches', (p) => num(p.modelSwitches, 0)),
    row('Slot utilization', (p) => percent(p.utilization)),
    row('Jain fairness, busy owners', (p) => num(p.fairness.jain, 3)),
    row('ETA error, median (forecast at submission, jobs that waited)', (p) => (p.eta ? `${num(p.eta.waited.medianPercent)}%` : 'n/a (no ETA)')),
    row('ETA bias, median (negative: predicted too early)', (p) => (p.eta ? `${num(p.eta.waited.medianBiasPercent)}%` : 'n/a (no ETA)')),
    row('— interactive jobs', (p) => (p.eta?.byLane.interactive ? `${num(p.eta.byLane.interactive.medianPercent)}%` : 'n/a')),
    row('— batch jobs', (p) => (p.eta?.byLane.batch ? `${num(p.eta.byLane.batch.medianPercent)}%` : 'n/a')),
    row('Makespan (s)', (p) => num(p.makespanSeconds, 0)),
    row('Requests an evicting LM Studio would cut off', (p) => num(p.cutOffIfEvicting, 0)),
    row('Failed jobs', (p) => num(p.failedJobs, 0)),
  ];
}

function charts(result: QualityResult): ChartFile[] {
  const lmQueue = result.policies.find((p) => p.policy === 'lm-queue');
  const bars = (value: (p: PolicyMetrics) => number) =>
    result.policies.map((p) => ({ label: policyName(p.policy).replace(/ \(.*\)$/, ''), value: value(p), highlight: isOurs(p.policy) }));
  return [
    {
      file: 'quality-interactive-wait.svg',
      alt: 'Interactive p95 wait per policy',
      svg: renderBarChart({
        title: 'Interactive wait, p95 (simulated seconds, lower is better)',
        unit: 's',
        bars: bars((p) => p.interactiveWait.p95),
        reference: lmQueue ? { value: lmQueue.interactiveServiceMedian, label: 'goal: one median service time' } : undefined,
      }),
    },
    {
      file: 'quality-model-switches.svg',
      alt: 'Model switches per policy',
      svg: renderBarChart({ title: 'Model switches (lower is better)', unit: '', digits: 0, bars: bars((p) => p.modelSwitches) }),
    },
    {
      file: 'quality-utilization.svg',
      alt: 'Slot utilization per policy',
      svg: renderBarChart({ title: 'Slot utilization (higher is better)', unit: '%', bars: bars((p) => p.utilization * 100) }),
    },
    {
      file: 'quality-batch-completion.svg',
      alt: 'Batch completion time per policy',
      svg: renderBarChart({ title: '300-prompt batch completion (simulated seconds, lower is better)', unit: 's', digits: 0, bars: bars((p) => p.batchCompletionSeconds) }),
    },
  ];
}

interface Comparison {
  label: string;
  value: (p: PolicyMetrics) => number;
  higherIsBetter: boolean;
  show: (n: number) => string;
}

const COMPARED: Comparison[] = [
  { label: 'interactive p95 wait', value: (p) => p.interactiveWait.p95, higherIsBetter: false, show: (n) => `${num(n)} s` },
  { label: 'batch completion', value: (p) => p.batchCompletionSeconds, higherIsBetter: false, show: (n) => `${num(n, 0)} s` },
  { label: 'model switches', value: (p) => p.modelSwitches, higherIsBetter: false, show: (n) => num(n, 0) },
  { label: 'slot utilization', value: (p) => p.utilization, higherIsBetter: true, show: (n) => percent(n) },
  { label: 'fairness (Jain)', value: (p) => p.fairness.jain, higherIsBetter: true, show: (n) => num(n, 3) },
];

/** Plain statements of where LM Queue is behind the best anchor, so the table cannot hide it. */
function behind(policies: PolicyMetrics[]): string[] {
  const ours = policies.find((p) => p.policy === 'lm-queue');
  const anchors = policies.filter((p) => !isOurs(p.policy));
  if (!ours || anchors.length === 0) return [];
  const lines: string[] = [];
  for (const c of COMPARED) {
    const best = anchors.reduce((a, b) => ((c.higherIsBetter ? c.value(b) > c.value(a) : c.value(b) < c.value(a)) ? b : a));
    const worse = c.higherIsBetter ? c.value(ours) < c.value(best) : c.value(ours) > c.value(best);
    if (worse) lines.push(`${c.label}: ${c.show(c.value(ours))} against ${c.show(c.value(best))} for ${policyName(best.policy)}`);
  }
  return lines;
}

export function qualitySection(result: QualityResult): Section {
  const sim = result.simulator;
  const setup = [
    `Workload (seed ${result.workload.seed}, ${result.workload.jobs} jobs): ` +
      Object.entries(result.workload.byOwner).map(([owner, what]) => `${owner} (${what})`).join('; ') +
      `. Fairness is measured between ${result.workload.busyOwners.join(' and ')} over the time both had work waiting.`,
    `Simulator: ${sim.parallel} slots, models ${sim.models.join(' and ')}, ${sim.loadSeconds} s per model load, ${sim.tokensPerSecond} tokens/s alone ` +
      `(batching exponent ${sim.batchExponent}), prompts at ${sim.promptTokensPerSecond} tokens/s, time scale ${sim.timeScale} ` +
      `(all times below are simulated seconds). ${sim.evictOnSwitch ? 'A load evicts in-flight requests.' : 'A just-in-time load lets the previous model\'s requests finish (kinder to the baselines than an evicting LM Studio).'}`,
    `${result.mode === 'quick' ? 'Quick mode: one run' : `Median of ${result.runs} runs`}, each policy on a fresh simulator after the same warm-up; ${num(result.wallSeconds, 0)} s of wall time.`,
  ];
  const goalRows = result.goals.map((g) => [g.goal, g.target, g.measured, g.pass ? 'pass' : '**FAIL**']);
  const chartFiles = charts(result);
  const markdown = [
    setup.map((line) => `- ${line}`).join('\n'),
    table(['Measure', ...result.policies.map((p) => policyName(p.policy))], metricRows(result.policies)),
    behind(result.policies).length ? `**Where LM Queue is behind the best anchor**\n\n${behind(result.policies).map((l) => `- ${l}`).join('\n')}` : '',
    '**Goals (LM Queue)**',
    table(['Goal', 'Target', 'Measured', 'Result'], goalRows),
    chartFiles.map(chartImage).join('\n'),
  ]
    .filter((part) => part !== '')
    .join('\n\n');
  return { title: 'Scheduling quality: a team day on one LM Studio', markdown, charts: chartFiles };
}
