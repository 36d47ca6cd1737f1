/**
 * `tsx bench/bullmq/cli.ts [--quick] [--jobs N] [--concurrency C] [--repeats R]`: LM Queue against BullMQ on a
 * throwaway local Redis; writes bench/results/bullmq.json and regenerates SUMMARY.md.
 */
import { parseArgs } from 'node:util';
import { writeResult } from '../report/results-store';
import { writeSummary } from '../report/summary';
import { runBullmqComparison } from './bullmq-comparison';
import { ensureRedisServer } from './redis-server';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    jobs: { type: 'string' },
    concurrency: { type: 'string' },
    repeats: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});

if (!ensureRedisServer((line) => console.error(line))) process.exit(1);
const result = await runBullmqComparison({
  quick: values.quick,
  jobs: values.jobs === undefined ? undefined : Number(values.jobs),
  concurrency: values.concurrency === undefined ? undefined : Number(values.concurrency),
  repeats: values.repeats === undefined ? undefined : Number(values.repeats),
  log: (message) => console.log(message),
});
const r = result.ratios;
console.log(`LM Queue ÷ BullMQ: burst add ${r.addVsAddBulk.toFixed(2)}× addBulk, awaited add ${r.addEachVsAdd.toFixed(2)}× add; claim+complete ${r.processVsBullmq.toFixed(2)}×`);
if (!values['no-write']) {
  console.log(`wrote ${writeResult('bullmq', result)}`);
  console.log(`wrote ${writeSummary()}`);
}
