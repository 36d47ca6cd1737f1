/**
 * `tsx bench/quality/trace-cli.ts [--workload NAME] [--policy NAME] [--time-scale X] [--seed N] [--jobs PREFIX] [--wait-limit S]`
 * One policy on one workload of the quality bench (about 30 s of wall time at the default scale),
 * printed as a timeline in simulated seconds: each model load, each interactive job's arrival
 * with its wait and the ETA it was given, and, with `--jobs carol`, every tenth job of that owner
 * with its forecast range (job lines for LM Queue only: the baselines report no start); then the
 * seconds spent with each resident set by busy slots, and the totals; with `--wait-limit`, the
 * fewest loads any schedule could make with its interactive p95 within that many seconds
 * (switch-floor.ts). For tuning the scheduler between full runs; nothing is written.
 */
import { parseArgs } from 'node:util';
import type { SimRecord } from '../../tools/lmstudio-sim/sim-record';
import { analyzeRun, busyIntervals } from './analyze';
import { POLICIES, runPolicy, simulatorSettings } from './quality-bench';
import { occupancyByResidency, residencySpans, type ResidencyEvent } from './residency';
import type { JobTrace, RunTrace } from './run-trace';
import { spawnSimulator } from './sim-process';
import { loadsFloorOf } from './switch-floor';
import { WORKLOAD_NAMES, workloadSpec, type WorkloadName } from './workloads';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'room-for-one' },
    policy: { type: 'string', default: 'lm-queue' },
    'time-scale': { type: 'string', default: '0.03' },
    seed: { type: 'string', default: '42' },
    jobs: { type: 'string' },
    'wait-limit': { type: 'string' },
  },
});
if (!(WORKLOAD_NAMES as readonly string[]).includes(values.workload)) throw new Error(`unknown workload ${values.workload}; choose from ${WORKLOAD_NAMES.join(', ')}`);
if (!(POLICIES as readonly string[]).includes(values.policy)) throw new Error(`unknown policy ${values.policy}; choose from ${POLICIES.join(', ')}`);

const timeScale = Number(values['time-scale']);
const spec = workloadSpec(values.workload as WorkloadName, Number(values.seed));
const interactive = new Set(spec.workload.jobs.filter((j) => j.lane === 'interactive').map((j) => j.id));
const settings = simulatorSettings(spec, timeScale);
const sim = await spawnSimulator(settings);
try {
  const trace = await runPolicy({ name: values.policy }, spec, sim, timeScale);
  const record = await sim.record();
  const metrics = analyzeRun(trace, record, spec.workload, { timeScale, slots: spec.slotCapacity });
  const seconds = (wallMs: number): string => (wallMs / 1000 / timeScale).toFixed(1);
  const at = (wallMs: number): string => seconds(wallMs - trace.t0Ms).padStart(7);
  const eta = (wallSeconds: number | null): string => (wallSeconds === null ? '-' : seconds(wallSeconds * 1000));

  const lines: [number, string][] = record.loads.map((load) => [load.startedAt, `load ${load.model} (${load.reason})`]);
  for (const [id, job] of startedJobs(trace)) {
    if (!interactive.has(id)) continue;
    lines.push([job.arrivedAtMs, `  ${id} waits ${seconds(job.startedAtMs! - job.arrivedAtMs)} s (ETA ${eta(job.predictedStartInSeconds)} s)`]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  for (const [wallMs, text] of lines) console.log(`${at(wallMs)}  ${text}`);

  if (values.jobs !== undefined) {
    const owned = startedJobs(trace).filter(([id]) => id.startsWith(values.jobs!));
    console.log(`\n${values.jobs}: every tenth job, simulated seconds from its arrival`);
    for (const [id, job] of owned.filter((_, i) => i % 10 === 0)) {
      console.log(
        `${id}  arrived ${at(job.arrivedAtMs)}  started after ${seconds(job.startedAtMs! - job.arrivedAtMs)}  ` +
          `forecast ${eta(job.predictedStartInSeconds)} (${eta(job.predictedStartLowInSeconds)} to ${eta(job.predictedStartHighInSeconds)})`,
      );
    }
  }
  printResidency(spec.initialLoaded, record, (wallMs) => (wallMs - trace.t0Ms) / 1000 / timeScale, metrics.makespanSeconds, spec.slotCapacity);
  const f = (n: number | null | undefined, digits = 1): string => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  console.log(
    `\n${values.policy} on ${values.workload}: interactive p50 ${f(metrics.interactiveWait.p50)} s, p95 ${f(metrics.interactiveWait.p95)} s, ` +
      `loads ${metrics.loads}, cut off ${metrics.requestsCutOff}, utilization ${f(metrics.utilization * 100)}%, batch done ${f(metrics.batchCompletionSeconds, 0)} s` +
      (metrics.eta ? `, ETA error ${f(metrics.eta.waited.medianPercent)}%, in range ${f(metrics.eta.insideRange.share * 100)}%` : '') +
      (metrics.preempted ? `, preempted ${metrics.preempted.requests} (${metrics.preempted.wastedTokens} tokens thrown away)` : '') +
      `, Jain ${f(metrics.fairness.jain, 3)}, makespan ${f(metrics.makespanSeconds, 0)} s`,
  );
  if (values['wait-limit'] !== undefined) {
    const limit = Number(values['wait-limit']);
    const floor = loadsFloorOf(spec.workload.jobs, spec.initialLoaded[0]!, settings.loadSeconds)(limit);
    console.log(`fewest loads any schedule could make with interactive p95 ≤ ${limit} s: ${floor}`);
  }
} finally {
  await sim.close();
}

function startedJobs(trace: RunTrace): [string, JobTrace][] {
  return [...trace.jobs].filter(([, job]) => job.startedAtMs !== null);
}

/** Simulated seconds per resident set, by how many requests held a slot: where the utilization went. */
function printResidency(initial: readonly string[], record: SimRecord, toSim: (wallMs: number) => number, end: number, slots: number): void {
  const events: ResidencyEvent[] = [
    ...record.loads.map((l): ResidencyEvent => ({ type: 'load', model: l.model, start: toSim(l.startedAt), end: toSim(l.finishedAt ?? l.startedAt) })),
    ...record.unloads.map((u): ResidencyEvent => ({ type: 'unload', model: u.model, at: toSim(u.at) })),
  ];
  const table = occupancyByResidency(residencySpans(initial, events, end), busyIntervals(record, toSim), slots);
  const header = Array.from({ length: slots + 1 }, (_, n) => `${n === slots ? `${n}+` : n} busy`.padStart(8)).join('');
  console.log(`\nseconds by what was resident and how many slots were busy (of ${slots})\n${'resident'.padEnd(28)}${header}   total`);
  for (const [state, row] of table) {
    const total = row.reduce((a, b) => a + b, 0);
    console.log(`${state.padEnd(28)}${row.map((s) => s.toFixed(0).padStart(8)).join('')}${total.toFixed(0).padStart(8)}`);
  }
}
