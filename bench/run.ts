/**
 * `npm run bench [-- NAME...] [--quick]`: runs the named benchmarks (default: all) and writes
 * bench/results/<name>.json plus bench/results/SUMMARY.md (tables and SVG charts).
 *   queue    engine throughput, positions+ETAs at 10k/100k/1M queued, memory
 *   http     LAN server submissions/s and the latency the proxy adds (autocannon)
 *   quality  scheduling quality on the simulator: FIFO vs strict priority vs LM Queue
 *   batch    the Batch API: accepting a 50,000-line file; chats during a 2,000-request batch
 *   index    indexing 10,000 chunks through the simulator; search over 100,000 stored chunks
 *   bullmq   the queue engine against BullMQ on a local Redis (apt redis-server: installed when
 *            root, else skipped with the command to run)
 * --quick fits the whole set in a couple of minutes (fewer jobs and runs).
 */
import { runBatchBench } from './batch/index';
import { runBullmqComparison } from './bullmq/bullmq-comparison';
import { ensureRedisServer } from './bullmq/redis-server';
import { runHttpBench } from './http';
import { runIndexBench } from './index/search-bench';
import { runQualityBench } from './quality/quality-bench';
import { runQueueBench } from './queue/index';
import { writeResult } from './report/results-store';
import { writeSummary } from './report/summary';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const log = (line: string) => console.log(line);

/** Each returns its result, or null when it cannot run here (it says why and what to install). */
const benches: Record<string, () => Promise<object | null> | object | null> = {
  queue: () => runQueueBench({ quick, log }),
  http: () => runHttpBench({ durationSeconds: quick ? 3 : 8, latencySamples: quick ? 150 : 400 }),
  quality: () => runQualityBench({ quick, log }),
  batch: () => runBatchBench({ quick, log }),
  index: () => runIndexBench({ quick, log }),
  bullmq: () => (ensureRedisServer(log) ? runBullmqComparison({ quick, log }) : null),
};

const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
const skipped: string[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (names.length > 0 && !names.includes(name)) continue;
  console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
  const result = await run();
  if (result === null) skipped.push(name);
  else console.log(`wrote ${writeResult(name, result)}`);
}
console.log(`wrote ${writeSummary()}`);
if (skipped.length > 0) console.log(`skipped ${skipped.join(', ')} (see above for what to install); its previous results are unchanged`);
