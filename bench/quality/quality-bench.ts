/**
 * Scheduling quality on the simulator: the same seeded team workload through FIFO, strict
 * priority and LM Queue, each on a fresh simulator after the same warm-up.
 */
import os from 'node:os';
import { analyzeRun, type PolicyMetrics } from './analyze';
import { runBaseline, sendChat, type BaselinePolicy } from './baseline-queues';
import { evaluateGoals, type GoalResult } from './goals';
import { runLmQueue, type EngineOverrides } from './lmqueue-run';
import { medianOfRuns } from './metrics';
import type { RunTrace } from './run-trace';
import { spawnSimulator, type SimProcess, type SimSettings } from './sim-process';
import { generateWorkload, SIM_OUTPUT_RANGE, type ChatInput, type Workload, type WorkloadOptions } from './workload';

export const POLICIES = ['fifo', 'strict-priority', 'lm-queue'] as const;
export type PolicyName = (typeof POLICIES)[number];

export interface QualityOptions {
  /** One run at a faster time scale (CI). */
  quick?: boolean;
  runs?: number;
  timeScale?: number;
  workload?: Partial<WorkloadOptions>;
  /** Extra LM Queue runs with other engine settings, reported as `lm-queue:<label>` (not judged). */
  variants?: EngineVariant[];
  log?: (message: string) => void;
}

export interface EngineVariant {
  label: string;
  engine: EngineOverrides;
}

export interface QualityResult {
  name: 'quality';
  mode: 'quick' | 'full';
  startedAt: string;
  wallSeconds: number;
  runs: number;
  simulator: SimSettings;
  workload: { seed: number; jobs: number; byLane: Record<string, number>; byOwner: Record<string, string>; busyOwners: string[] };
  variants: EngineVariant[];
  /** Median over runs, per policy, in simulated seconds. */
  policies: PolicyMetrics[];
  goals: GoalResult[];
  /** Every run's numbers, for the curious. */
  perRun: PolicyMetrics[][];
}

const SLOTS = 4;
/** About 300 tokens: warm-up prompts the size of the workload's, so learned prompt speed is typical. */
const WARM_UP_TEXT = 'Summarize the following notes for the weekly report. '.repeat(22);

export function simulatorSettings(workload: Workload, timeScale: number): SimSettings {
  return {
    models: [...workload.models],
    parallel: SLOTS,
    tokensPerSecond: 40,
    promptTokensPerSecond: 400,
    loadSeconds: 3,
    batchExponent: 0.7,
    minOutputTokens: SIM_OUTPUT_RANGE.min,
    maxOutputTokens: SIM_OUTPUT_RANGE.max,
    contextLength: 8192,
    seed: workload.seed,
    timeScale,
    evictOnSwitch: false,
  };
}

/**
 * The same warm-up for every policy: a few chats on each model, the first model last so it is the
 * loaded one when the workload starts. It warms sockets and JITs, and lets LM Queue learn speeds.
 */
async function warmUp(models: readonly string[], send: (model: string, input: ChatInput) => Promise<void>): Promise<void> {
  for (const model of [...models].reverse()) {
    await Promise.all(
      Array.from({ length: SLOTS }, (_, i) =>
        send(model, { messages: [{ role: 'user', content: `warm-up ${model} ${i}: ${WARM_UP_TEXT}` }], max_tokens: 200 }),
      ),
    );
  }
}

interface PolicySpec {
  name: string;
  engine?: EngineOverrides;
}

async function runPolicy(spec: PolicySpec, workload: Workload, sim: SimProcess, timeScale: number): Promise<RunTrace> {
  // Generous: the slowest policy needs about 1,000 simulated seconds for this workload.
  const timeoutMs = Math.max(120_000, 4_000 * 1000 * timeScale);
  if (spec.name.startsWith('lm-queue')) {
    return runLmQueue(workload.jobs, {
      label: spec.name,
      engine: spec.engine,
      simUrl: sim.url,
      models: workload.models,
      slots: SLOTS,
      timeScale,
      timeoutMs,
      warmUp: (submit) => warmUp(workload.models, submit),
      beforeMeasuring: () => sim.resetRecord(),
    });
  }
  let n = 0;
  await warmUp(workload.models, async (model, input) => void (await sendChat(sim.url, `warmup-${n++}`, model, input)));
  await sim.resetRecord();
  return runBaseline(spec.name as BaselinePolicy, workload.jobs, { simUrl: sim.url, slots: SLOTS, timeScale, timeoutMs });
}

function describeWorkload(workload: Workload): QualityResult['workload'] {
  const byLane: Record<string, number> = {};
  const byOwner: Record<string, string> = {};
  for (const job of workload.jobs) {
    byLane[job.lane] = (byLane[job.lane] ?? 0) + 1;
    byOwner[job.owner] = `${job.lane}, ${job.model}, priority ${job.priority}`;
  }
  return { seed: workload.seed, jobs: workload.jobs.length, byLane, byOwner, busyOwners: [...workload.busyOwners] };
}

export async function runQualityBench(options: QualityOptions = {}): Promise<QualityResult> {
  const quick = options.quick ?? false;
  const runs = options.runs ?? (quick ? 1 : 3);
  const timeScale = options.timeScale ?? (quick ? 0.02 : 0.04);
  const log = options.log ?? (() => {});
  const workload = generateWorkload(options.workload);
  const settings = simulatorSettings(workload, timeScale);
  const started = Date.now();
  log(`quality: ${workload.jobs.length} jobs, ${runs} run(s), time scale ${timeScale} (${os.cpus().length} cores)`);

  const variants = options.variants ?? [];
  const specs: PolicySpec[] = [...POLICIES.map((name) => ({ name })), ...variants.map((v) => ({ name: `lm-queue:${v.label}`, engine: v.engine }))];
  const perRun: PolicyMetrics[][] = [];
  for (let run = 0; run < runs; run++) {
    const results: PolicyMetrics[] = [];
    for (const spec of specs) {
      const runStarted = Date.now();
      const sim = await spawnSimulator(settings);
      try {
        const trace = await runPolicy(spec, workload, sim, timeScale);
        const metrics = analyzeRun(trace, await sim.record(), workload, { timeScale, slots: SLOTS });
        results.push(metrics);
        log(
          `  run ${run + 1} ${spec.name}: interactive p95 ${metrics.interactiveWait.p95.toFixed(1)} s, switches ${metrics.modelSwitches}, ` +
            `utilization ${(metrics.utilization * 100).toFixed(1)}%, batch done ${metrics.batchCompletionSeconds.toFixed(0)} s ` +
            `(${((Date.now() - runStarted) / 1000).toFixed(0)} s wall)`,
        );
      } finally {
        await sim.close();
      }
    }
    perRun.push(results);
  }
  const policies = specs.map((_, i) => medianOfRuns(perRun.map((r) => r[i]!)));
  const byName = new Map(policies.map((p) => [p.policy, p]));
  return {
    name: 'quality',
    mode: quick ? 'quick' : 'full',
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    runs,
    simulator: settings,
    workload: describeWorkload(workload),
    variants,
    policies,
    goals: evaluateGoals(byName.get('lm-queue')!, byName.get('fifo')!),
    perRun,
  };
}
