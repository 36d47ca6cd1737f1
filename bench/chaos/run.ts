/**
 * `npm run chaos [-- --quick] [-- NAME...]`: LM Queue under abuse, loopback only, each scenario
 * bounded in time, printing its figures and writing bench/results/chaos.json (plus the printed
 * lines in bench/results/chaos.txt). Not part of `npm test`.
 *   kill9     kill -9 at N random moments during a 1,000-job run (quick: 300 jobs, 5 kills)
 *   outage    LM Studio going away mid-stream and coming back
 *   stuck     20 streaming clients that never read: the server's RSS
 *   disk      a full 2 MB tmpfs, then a read-only one (root only)
 *   load      50 connections submitting for 60 s (quick: 10 s), RSS sampled
 *   sigterm   SIGTERM with running and queued jobs and waiting /v1 callers
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, writeResult } from '../report/results-store';
import { writeSummary } from '../report/summary';
import { runDisk } from './disk';
import { runKillNine } from './kill-nine';
import { runLoad } from './load';
import { runOutage } from './lmstudio-outage';
import { runSigterm } from './sigterm';
import { runStuckStreams } from './stuck-streams';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  console.log(line);
};

const scenarios: Record<string, () => Promise<object>> = {
  kill9: () => runKillNine({ jobs: quick ? 300 : 1_000, kills: quick ? 5 : 20, seed: 18, log }),
  outage: () => runOutage({ outageSeconds: quick ? 5 : 15, log }),
  stuck: () => runStuckStreams({ clients: 20, seconds: quick ? 5 : 15 }),
  disk: () => runDisk({ log }),
  load: () => runLoad({ connections: 50, seconds: quick ? 10 : 60 }),
  sigterm: () => runSigterm({ graceMs: 2_000 }),
};
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
const started = Date.now();
for (const [name, run] of Object.entries(scenarios)) {
  if (names.length > 0 && !names.includes(name)) continue;
  log(`\n== ${name}${quick ? ' (quick)' : ''}`);
  const t0 = Date.now();
  try {
    results[name] = await run();
    log(JSON.stringify(results[name], null, 2));
  } catch (error) {
    results[name] = { error: error instanceof Error ? error.message : String(error) };
    log(`FAILED: ${(results[name] as { error: string }).error}`);
  }
  log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
log(`\nchaos ${quick ? '--quick ' : ''}done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (names.length === 0) {
  console.log(`wrote ${writeResult('chaos', { quick, scenarios: results })}`);
  writeFileSync(join(RESULTS_DIR, 'chaos.txt'), `${lines.join('\n')}\n`);
  console.log(`wrote ${writeSummary()}`);
}
process.exit(Object.values(results).some((r) => (r as { error?: string }).error) ? 1 : 0);
