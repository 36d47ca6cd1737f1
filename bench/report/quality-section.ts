/** The scheduling-quality part of SUMMARY.md: per workload, policies side by side and goals; charts across workloads. */
import type { PolicyMetrics } from '../quality/analyze';
import type { QualityResult, WorkloadResult } from '../quality/quality-bench';
import { chartImage, num, percent, table, type ChartFile, type Section } from './markdown';
import { renderBarChart } from './svg-bar-chart';

const POLICY_NAMES: Record<string, string> = {
  fifo: 'FIFO (LM Studio, Ollama)',
  'strict-priority': 'Strict priority (Celery, BullMQ, LiteLLM)',
  'lm-queue': 'LM Queue',
  'lm-queue:third-day': 'LM Queue, third day',
};

export function policyName(policy: string): string {
  if (POLICY_NAMES[policy]) return POLICY_NAMES[policy];
  return policy.startsWith('lm-queue:') ? `LM Queue (${policy.slice('lm-queue:'.length)})` : policy;
}

const shortName = (policy: string): string => policyName(policy).replace(/ \(.*\)$/, '');
const isOurs = (policy: string): boolean => policy.startsWith('lm-queue');
const etaCell = (p: PolicyMetrics, value: (eta: NonNullable<PolicyMetrics['eta']>) => string): string => (p.eta ? value(p.eta) : 'n/a (no ETA)');

function metricRows(workload: WorkloadResult): string[][] {
  const { policies } = workload;
  const row = (label: string, value: (p: PolicyMetrics) => string): string[] => [label, ...policies.map(value)];
  const owners = Object.keys(policies[0]?.interactiveWaitByOwner ?? {});
  const lanes = Object.keys(workload.workload.byLane);
  const fairness = workload.workload.fairness === 'backlogged-service' ? `Jain fairness, ${workload.workload.busyOwners.join(' vs ')} while both backlogged` : 'Jain fairness, the askers’ mean response times';
  return [
    row('Loads after start-up', (p) => num(p.loads, 0)),
    row('Unloads after start-up', (p) => num(p.unloads, 0)),
    row('Requests cut off (or cut off by an evicting LM Studio)', (p) => num(p.requestsCutOff, 0)),
    row('Requests preempted and run again (output tokens thrown away)', (p) => (p.preempted ? `${num(p.preempted.requests, 0)} (${num(p.preempted.wastedTokens, 0)})` : 'n/a')),
    row('Interactive wait p50 (s)', (p) => num(p.interactiveWait.p50)),
    row('Interactive wait p95 (s)', (p) => num(p.interactiveWait.p95)),
    ...owners.map((owner) => row(`— ${owner}: wait p95 (s)`, (p) => num(p.interactiveWaitByOwner[owner]?.p95))),
    ...(policies.some((p) => p.questionToAnswer)
      ? [
          row('Question to answer p50 (s): embedding asked → chat done', (p) => num(p.questionToAnswer?.p50)),
          row('Question to answer p95 (s)', (p) => num(p.questionToAnswer?.p95)),
        ]
      : []),
    row('Median interactive service time (s)', (p) => num(p.interactiveServiceMedian)),
    row('Batch completion (s)', (p) => num(p.batchCompletionSeconds, 0)),
    row(`Slot utilization (of ${workload.slotCapacity} slots)`, (p) => percent(p.utilization)),
    row('— without generation an evicting LM Studio would have cut off', (p) => percent(p.deliveredUtilization)),
    row(fairness, (p) => num(p.fairness.jain, 3)),
    row('ETA error, median (forecast at submission, jobs that waited)', (p) => etaCell(p, (e) => `${num(e.waited.medianPercent)}%`)),
    row('ETA error, median (every job)', (p) => etaCell(p, (e) => `${num(e.all.medianPercent)}%`)),
    ...lanes.map((lane) => row(`— ${lane} jobs`, (p) => etaCell(p, (e) => (e.byLane[lane] ? `${num(e.byLane[lane].medianPercent)}%` : 'n/a')))),
    row('ETA bias, median (negative: predicted too early)', (p) => etaCell(p, (e) => `${num(e.waited.medianBiasPercent)}%`)),
    row('Actual starts inside the forecast range (low to high, ± 1 s)', (p) => etaCell(p, (e) => percent(e.insideRange.share))),
    row('Makespan (s)', (p) => num(p.makespanSeconds, 0)),
    row('Most memory in use (GB)', (p) => num(p.maxMemoryBytes / 1e9, 2)),
    row('Failed jobs', (p) => num(p.failedJobs, 0)),
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
  { label: 'model loads', value: (p) => p.loads, higherIsBetter: false, show: (n) => num(n, 0) },
  { label: 'requests cut off', value: (p) => p.requestsCutOff, higherIsBetter: false, show: (n) => num(n, 0) },
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
    // Behind only by more than the printed digits show.
    if (worse && c.show(c.value(ours)) !== c.show(c.value(best))) lines.push(`${c.label}: ${c.show(c.value(ours))} against ${c.show(c.value(best))} for ${policyName(best.policy)}`);
  }
  return lines;
}

function workloadMarkdown(workload: WorkloadResult): string {
  const sim = workload.simulator;
  const d = workload.workload;
  const models = sim.models.map((m) => (typeof m === 'string' ? m : `${m.id} (${num((m.sizeBytes ?? 0) / 1e9, 1)} GB)`)).join(', ');
  const setup = [
    workload.summary,
    `Workload (${d.jobs} jobs): ${Object.entries(d.byOwner).map(([owner, what]) => `${owner} (${what})`).join('; ')}.`,
    `LM Studio: ${models}; ${num(sim.memoryBytes / 1e9, 1)} GB for models; loaded at start: ${sim.initialLoaded.join(', ') || 'none'}; JIT auto-evict ${sim.jitAutoEvict ? 'on' : 'off'}.`,
  ].filter((line) => line);
  const lines = behind(workload.policies);
  return [
    `### ${workload.title} (\`${workload.name}\`)`,
    setup.map((line) => `- ${line}`).join('\n'),
    table(['Measure', ...workload.policies.map((p) => policyName(p.policy))], metricRows(workload)),
    lines.length ? `**Where LM Queue is behind the best anchor**\n\n${lines.map((l) => `- ${l}`).join('\n')}` : '',
    table(['Goal (LM Queue)', 'Target', 'Measured', 'Result'], workload.goals.map((g) => [g.goal, g.target, g.measured, g.pass ? 'pass' : '**FAIL**'])),
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

function charts(result: QualityResult): ChartFile[] {
  const bars = (value: (p: PolicyMetrics) => number) =>
    result.workloads.flatMap((w) => w.policies.map((p) => ({ label: `${w.name} · ${shortName(p.policy)}`, value: value(p), highlight: isOurs(p.policy) })));
  return [
    {
      file: 'quality-interactive-wait.svg',
      alt: 'Interactive p95 wait per workload and policy',
      svg: renderBarChart({ title: 'Interactive wait, p95 (simulated seconds, lower is better)', unit: 's', bars: bars((p) => p.interactiveWait.p95) }),
    },
    {
      file: 'quality-loads.svg',
      alt: 'Model loads after start-up per workload and policy',
      svg: renderBarChart({ title: 'Model loads after start-up (lower is better)', unit: '', digits: 0, bars: bars((p) => p.loads) }),
    },
    {
      file: 'quality-utilization.svg',
      alt: 'Slot utilization per workload and policy',
      svg: renderBarChart({ title: 'Slot utilization (higher is better)', unit: '%', bars: bars((p) => p.utilization * 100) }),
    },
    {
      file: 'quality-batch-completion.svg',
      alt: 'Batch completion time per workload and policy',
      svg: renderBarChart({ title: 'Batch completion (simulated seconds, lower is better)', unit: 's', digits: 0, bars: bars((p) => p.batchCompletionSeconds) }),
    },
  ];
}

export function qualitySection(result: QualityResult): Section {
  const sim = result.workloads[0]?.simulator;
  const setup = [
    sim
      ? `Simulator: ${sim.parallel} slots per loaded instance, ${sim.loadSeconds} s per model load, ${sim.tokensPerSecond} tokens/s alone (batching exponent ` +
        `${sim.batchExponent}, shared by every request on the GPU), prompts and embeddings at ${sim.promptTokensPerSecond} tokens/s, time scale ${result.timeScale} ` +
        '(all times below are simulated seconds). An eviction lets the evicted model’s requests finish; each one an evicting LM Studio would have cut off is counted.'
      : '',
    `${result.mode === 'quick' ? 'Quick mode: one run' : `Median of ${result.runs} runs`} per workload (seed ${result.seed}), each policy on a fresh simulator after the same warm-up; ${num(result.wallSeconds, 0)} s of wall time.`,
    'LM Queue, third day: the engine restarted on the data directory of two days before (the same team, the next two seeds), so its ETAs have learned from them; the first LM Queue column starts with nothing learned but speeds. Its other numbers are one more sample of the same policy.',
    'Loads and unloads count from the end of the warm-up, whoever caused them (LM Queue through the REST API; the baselines through LM Studio’s JIT loading and auto-evict).',
  ].filter((line) => line !== '');
  const chartFiles = charts(result);
  const markdown = [setup.map((line) => `- ${line}`).join('\n'), ...result.workloads.map(workloadMarkdown), chartFiles.map(chartImage).join('\n')].join('\n\n');
  return { title: 'Scheduling quality: three workloads on one LM Studio', markdown, charts: chartFiles };
}
