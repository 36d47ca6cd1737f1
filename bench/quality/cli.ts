/**
 * `tsx bench/quality/cli.ts [--quick] [--runs N] [--time-scale X] [--seed N] [--variant 'label={"laneCaps":{"batch":4}}']`
 * Runs the scheduling-quality bench, writes bench/results/quality.json and regenerates SUMMARY.md.
 * Variants run LM Queue again with other engine settings (reported, not judged).
 */
import { parseArgs } from 'node:util';
import { policyName } from '../report/quality-section';
import { writeResult } from '../report/results-store';
import { writeSummary } from '../report/summary';
import type { EngineOverrides } from './lmqueue-run';
import { runQualityBench, type EngineVariant } from './quality-bench';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'time-scale': { type: 'string' },
    seed: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    'no-write': { type: 'boolean', default: false },
  },
});

function parseVariant(text: string): EngineVariant {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`--variant wants label=JSON, got "${text}"`);
  return { label: text.slice(0, at), engine: JSON.parse(text.slice(at + 1)) as EngineOverrides };
}

const result = await runQualityBench({
  quick: values.quick,
  runs: values.runs === undefined ? undefined : Number(values.runs),
  timeScale: values['time-scale'] === undefined ? undefined : Number(values['time-scale']),
  workload: values.seed === undefined ? undefined : { seed: Number(values.seed) },
  variants: values.variant.map(parseVariant),
  log: (message) => console.log(message),
});

const f = (n: number | null | undefined, digits = 1): string => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
console.table(
  Object.fromEntries(
    result.policies.map((p) => [
      policyName(p.policy),
      {
        'wait p95 (s)': f(p.interactiveWait.p95),
        'service p50 (s)': f(p.interactiveServiceMedian),
        'batch done (s)': f(p.batchCompletionSeconds, 0),
        switches: p.modelSwitches,
        utilization: `${f(p.utilization * 100)}%`,
        jain: f(p.fairness.jain, 3),
        'eta err': p.eta ? `${f(p.eta.waited.medianPercent)}%` : 'n/a',
      },
    ]),
  ),
);
for (const goal of result.goals) console.log(`${goal.pass ? 'pass' : 'FAIL'}  ${goal.goal}: ${goal.measured} (target ${goal.target})`);
if (!values['no-write']) {
  console.log(`wrote ${writeResult('quality', result)}`);
  console.log(`wrote ${writeSummary()}`);
}
