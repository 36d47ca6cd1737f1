/**
 * `tsx bench/quality/cli.ts [--quick] [--runs N] [--time-scale X] [--seed N] [--workload NAME]...
 *   [--variant 'label={"laneCaps":{"batch":4}}']`
 * Runs the scheduling-quality bench, writes bench/results/quality.json and regenerates SUMMARY.md.
 * Variants run LM Queue again with other engine settings (reported, not judged).
 */
import { parseArgs } from 'node:util';
import { policyName } from '../report/quality-section';
import { writeResult } from '../report/results-store';
import { writeSummary } from '../report/summary';
import type { EngineOverrides } from './lmqueue-run';
import { runQualityBench, type EngineVariant } from './quality-bench';
import { WORKLOAD_NAMES, type WorkloadName } from './workloads';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'time-scale': { type: 'string' },
    seed: { type: 'string' },
    workload: { type: 'string', multiple: true, default: [] },
    variant: { type: 'string', multiple: true, default: [] },
    'no-write': { type: 'boolean', default: false },
  },
});

function parseVariant(text: string): EngineVariant {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`--variant wants label=JSON, got "${text}"`);
  return { label: text.slice(0, at), engine: JSON.parse(text.slice(at + 1)) as EngineOverrides };
}

const unknown = values.workload.filter((w) => !(WORKLOAD_NAMES as readonly string[]).includes(w));
if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}; choose from ${WORKLOAD_NAMES.join(', ')}`);

const result = await runQualityBench({
  quick: values.quick,
  runs: values.runs === undefined ? undefined : Number(values.runs),
  timeScale: values['time-scale'] === undefined ? undefined : Number(values['time-scale']),
  seed: values.seed === undefined ? undefined : Number(values.seed),
  workloads: values.workload.length > 0 ? (values.workload as WorkloadName[]) : undefined,
  variants: values.variant.map(parseVariant),
  log: (message) => console.log(message),
});

const f = (n: number | null | undefined, digits = 1): string => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
for (const workload of result.workloads) {
  console.log(`\n${workload.name}: ${workload.title}`);
  console.table(
    Object.fromEntries(
      workload.policies.map((p) => [
        policyName(p.policy),
        {
          'wait p50 (s)': f(p.interactiveWait.p50),
          'wait p95 (s)': f(p.interactiveWait.p95),
          'batch done (s)': f(p.batchCompletionSeconds, 0),
          loads: p.loads,
          unloads: p.unloads,
          'cut off': p.requestsCutOff,
          utilization: `${f(p.utilization * 100)}%`,
          delivered: `${f(p.deliveredUtilization * 100)}%`,
          jain: f(p.fairness.jain, 3),
          'eta err': p.eta ? `${f(p.eta.waited.medianPercent)}%` : 'n/a',
          'in range': p.eta ? `${f(p.eta.insideRange.share * 100)}%` : 'n/a',
        },
      ]),
    ),
  );
  for (const goal of workload.goals) console.log(`${goal.pass ? 'pass' : 'FAIL'}  ${goal.goal}: ${goal.measured} (target ${goal.target})`);
}
if (!values['no-write']) {
  console.log(`wrote ${writeResult('quality', result)}`);
  console.log(`wrote ${writeSummary()}`);
}
