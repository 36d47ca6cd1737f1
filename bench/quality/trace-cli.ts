/**
 * `tsx bench/quality/trace-cli.ts [--workload NAME] [--policy NAME] [--time-scale X] [--seed N] [--jobs PREFIX]`
 * One policy on one workload of the quality bench (about 30 s of wall time at the default scale),
 * printed as a timeline in simulated seconds: each model load, each interactive job's arrival
 * with its wait and the ETA it was given, and, with `--jobs carol`, every tenth job of that owner
 * with its forecast range (job lines for LM Queue only: the baselines report no start). For
 * tuning the scheduler between full runs; nothing is written.
 */
import { parseArgs } from 'node:util';
import { analyzeRun } from './analyze';
import { POLICIES, runPolicy, simulatorSettings } from './quality-bench';
import type { JobTrace, RunTrace } from './run-trace';
import { spawnSimulator } from './sim-process';
import { WORKLOAD_NAMES, workloadSpec, type WorkloadName } from './workloads';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'room-for-one' },
    policy: { type: 'string', default: 'lm-queue' },
    'time-scale': { type: 'string', default: '0.03' },
    seed: { type: 'string', default: '42' },
    jobs: { type: 'string' },
  },
});
if (!(WORKLOAD_NAMES as readonly string[]).includes(values.workload)) throw new Error(`unknown workload ${values.workload}; choose from ${WORKLOAD_NAMES.join(', ')}`);
if (!(POLICIES as readonly string[]).includes(values.policy)) throw new Error(`unknown policy ${values.policy}; choose from ${POLICIES.join(', ')}`);

const timeScale = Number(values['time-scale']);
const spec = workloadSpec(values.workload as WorkloadName, Number(values.seed));
const interactive = new Set(spec.workload.jobs.filter((j) => j.lane === 'interactive').map((j) => j.id));
const sim = await spawnSimulator(simulatorSettings(spec, timeScale));
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
  const f = (n: number | null | undefined, digits = 1): string => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  console.log(
    `\n${values.policy} on ${values.workload}: interactive p50 ${f(metrics.interactiveWait.p50)} s, p95 ${f(metrics.interactiveWait.p95)} s, ` +
      `loads ${metrics.loads}, cut off ${metrics.requestsCutOff}, utilization ${f(metrics.utilization * 100)}%, batch done ${f(metrics.batchCompletionSeconds, 0)} s` +
      (metrics.eta ? `, ETA error ${f(metrics.eta.waited.medianPercent)}%, in range ${f(metrics.eta.insideRange.share * 100)}%` : ''),
  );
} finally {
  await sim.close();
}

function startedJobs(trace: RunTrace): [string, JobTrace][] {
  return [...trace.jobs].filter(([, job]) => job.startedAtMs !== null);
}
