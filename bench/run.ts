/**
 * `npm run bench [-- NAME...] [--quick]`: runs the named benchmarks (default: all) and writes
 * bench/results/<name>.json plus bench/results/SUMMARY.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { runHttpBench } from './http';
import { runQueueBench } from './queue/index';

const RESULTS = join(import.meta.dirname, 'results');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const wanted = (name: string) => names.length === 0 || names.includes(name);

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
  quick,
};

function save(name: string, result: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ machine, result }, null, 2)}\n`);
}

const benches: Record<string, () => Promise<unknown> | unknown> = {
  queue: () => runQueueBench({ quick }),
  http: () => runHttpBench({ durationSeconds: quick ? 3 : 8, latencySamples: quick ? 150 : 400 }),
};

for (const [name, run] of Object.entries(benches)) {
  if (!wanted(name)) continue;
  console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
  save(name, await run());
}
