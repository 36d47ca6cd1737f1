/**
 * Scheduling quality on the simulator: three seeded workloads (a RAG team, a team day with both
 * LLMs resident, the same day with room for one LLM), each through FIFO, strict priority and
 * LM Queue, each policy on a fresh simulator after the same warm-up. The baselines rely on LM
 * Studio's own JIT loading and auto-evict.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRun, type PolicyMetrics } from './analyze';
import { runBaseline, sendRequest, type BaselinePolicy, type RequestSpec } from './baseline-queues';
import { evaluateGoals, type GoalResult } from './goals';
import { runLmQueue, type EngineOverrides, type LmQueueRunOptions } from './lmqueue-run';
import { medianOfRuns } from './metrics';
import type { RunTrace } from './run-trace';
import { spawnSimulator, type SimProcess, type SimSettings } from './sim-process';
import { loadsFloorOf } from './switch-floor';
import { SIM_OUTPUT_RANGE, type Workload } from './workload';
import { SLOTS_PER_INSTANCE, WORKLOAD_NAMES, workloadSpec, type WorkloadName, type WorkloadSpec } from './workloads';

/**
 * LM Queue on its third day: the engine restarted on the data directory of two days before (the
 * same team, the next seeds), so its ETA calibration has learned from them. The first `lm-queue`
 * run starts with nothing learned but speeds (the warm-up). Two days, not one: on the first, the
 * service model also learns each person's typical answers, which moves the forecast beneath the
 * calibration, so what day one taught fits day two less well than day two's fits day three.
 */
export const THIRD_DAY = 'lm-queue:third-day';
const DAYS_BEFORE = 2;
export const POLICIES = ['fifo', 'strict-priority', 'lm-queue', THIRD_DAY] as const;
export type PolicyName = (typeof POLICIES)[number];

export interface QualityOptions {
  /** One run at a faster time scale (CI). */
  quick?: boolean;
  runs?: number;
  timeScale?: number;
  seed?: number;
  /** Default: all three. */
  workloads?: WorkloadName[];
  /** Extra LM Queue runs with other engine settings, reported as `lm-queue:<label>` (not judged). */
  variants?: EngineVariant[];
  log?: (message: string) => void;
}

export interface EngineVariant {
  label: string;
  engine: EngineOverrides;
}

export interface WorkloadDescription {
  jobs: number;
  byLane: Record<string, number>;
  byOwner: Record<string, string>;
  busyOwners: string[];
  interactiveOwners: string[];
  fairness: Workload['fairness'];
}

export interface WorkloadResult {
  name: WorkloadName;
  title: string;
  summary: string;
  slotCapacity: number;
  simulator: SimSettings;
  workload: WorkloadDescription;
  /** Median over runs, per policy, in simulated seconds. */
  policies: PolicyMetrics[];
  goals: GoalResult[];
  /** Every run's numbers, for the curious. */
  perRun: PolicyMetrics[][];
}

export interface QualityResult {
  name: 'quality';
  mode: 'quick' | 'full';
  startedAt: string;
  wallSeconds: number;
  runs: number;
  timeScale: number;
  seed: number;
  variants: EngineVariant[];
  workloads: WorkloadResult[];
}

const DEFAULT_SEED = 42;
/** About 300 tokens: warm-up prompts the size of the workload's, so learned prompt speed is typical. */
const WARM_UP_TEXT = 'Summarize the following notes for the weekly report. '.repeat(22);

export function simulatorSettings(spec: WorkloadSpec, timeScale: number): SimSettings {
  return {
    models: spec.simModels,
    initialLoaded: spec.initialLoaded,
    memoryBytes: spec.memoryBytes,
    jitAutoEvict: true,
    parallel: SLOTS_PER_INSTANCE,
    tokensPerSecond: 40,
    promptTokensPerSecond: 400,
    loadSeconds: 3,
    batchExponent: 0.7,
    minOutputTokens: SIM_OUTPUT_RANGE.min,
    maxOutputTokens: SIM_OUTPUT_RANGE.max,
    contextLength: 8192,
    seed: spec.workload.seed,
    timeScale,
    // Evicted models' requests finish, so no baseline job needs a retry; each one that an
    // evicting LM Studio would have cut off is still counted (requestsCutOff).
    evictOnSwitch: false,
  };
}

/**
 * The same warm-up for every policy: a few requests on each model, the first model last so that,
 * where only one fits, it is the loaded one when the workload starts. It warms sockets and JITs,
 * and lets LM Queue learn speeds.
 */
export async function warmUp(spec: WorkloadSpec, send: (request: RequestSpec) => Promise<void>): Promise<void> {
  for (let round = 0; round < WARM_UP_ROUNDS; round++) await warmUpRound(spec, send);
}

/**
 * Rounds of warm-up. The first requests of a fresh process ran ~1.7x slower than later ones (cold
 * JIT on both sides, a fixed wall-time cost that the time scale turns into simulated seconds);
 * learned from them alone, every ETA given at the start of a workload was that much too late.
 */
const WARM_UP_ROUNDS = 3;

async function warmUpRound(spec: WorkloadSpec, send: (request: RequestSpec) => Promise<void>): Promise<void> {
  for (const model of [...spec.simModels].reverse()) {
    const id = typeof model === 'string' ? model : model.id;
    const embedding = typeof model !== 'string' && model.type === 'embedding';
    await Promise.all(
      Array.from({ length: SLOTS_PER_INSTANCE }, (_, i): Promise<void> => {
        // Sizes from one to four texts, so prompt time is learned as a cost per request plus one per token.
        const texts = Array.from({ length: i + 1 }, (_, k) => `warm-up ${id} ${i}.${k}: ${WARM_UP_TEXT}`);
        return send(
          embedding
            ? { kind: 'embedding', model: id, input: { input: texts } }
            : { kind: 'chat', model: id, input: { messages: [{ role: 'user', content: texts.join('\n') }], max_tokens: 200 } },
        );
      }),
    );
  }
}

interface PolicySpec {
  name: string;
  engine?: EngineOverrides;
}

export async function runPolicy(policy: PolicySpec, spec: WorkloadSpec, sim: SimProcess, timeScale: number): Promise<RunTrace> {
  // Generous: the slowest policy needs about 1,000 simulated seconds for these workloads.
  const timeoutMs = Math.max(120_000, 4_000 * 1000 * timeScale);
  const { workload } = spec;
  const lmQueue = (day: WorkloadSpec, on: SimProcess, extra: Pick<LmQueueRunOptions, 'label' | 'dataDir'>): Promise<RunTrace> =>
    runLmQueue(day.workload.jobs, {
      engine: policy.engine,
      simUrl: on.url,
      models: day.workload.models,
      slots: day.slotCapacity,
      modelMemoryBytes: day.memoryBytes,
      pinnedModels: day.pinnedModels,
      timeScale,
      timeoutMs,
      warmUp: (submit) => warmUp(day, submit),
      beforeMeasuring: () => on.resetRecord(),
      ...extra,
    });
  if (policy.name === THIRD_DAY) {
    const dataDir = mkdtempSync(join(tmpdir(), 'lmq-quality-days-'));
    try {
      for (let day = 1; day <= DAYS_BEFORE; day++) {
        const dayBefore = workloadSpec(spec.name, workload.seed + day);
        const simBefore = await spawnSimulator(simulatorSettings(dayBefore, timeScale));
        try {
          await lmQueue(dayBefore, simBefore, { label: 'lm-queue:day-before', dataDir });
        } finally {
          await simBefore.close();
        }
      }
      return await lmQueue(spec, sim, { label: policy.name, dataDir });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (policy.name.startsWith('lm-queue')) return lmQueue(spec, sim, { label: policy.name });
  let n = 0;
  await warmUp(spec, async (request) => void (await sendRequest(sim.url, `warmup-${n++}`, request)));
  await sim.resetRecord();
  const modelSlots = Object.fromEntries(spec.simModels.map((m) => (typeof m === 'string' ? [m, SLOTS_PER_INSTANCE] : [m.id, m.parallel ?? SLOTS_PER_INSTANCE])));
  return runBaseline(policy.name as BaselinePolicy, workload.jobs, { simUrl: sim.url, slots: spec.slotCapacity, modelSlots, timeScale, timeoutMs });
}

function describeWorkload(workload: Workload): WorkloadDescription {
  const byLane: Record<string, number> = {};
  const byOwner: Record<string, string> = {};
  for (const job of workload.jobs) {
    byLane[job.lane] = (byLane[job.lane] ?? 0) + 1;
    const models = new Set(workload.jobs.filter((j) => j.owner === job.owner).map((j) => j.model));
    byOwner[job.owner] = `${job.lane}, ${[...models].join(' + ')}, priority ${job.priority}`;
  }
  return {
    jobs: workload.jobs.length,
    byLane,
    byOwner,
    busyOwners: [...workload.busyOwners],
    interactiveOwners: [...workload.interactiveOwners],
    fairness: workload.fairness,
  };
}

async function runWorkload(spec: WorkloadSpec, runs: number, timeScale: number, variants: EngineVariant[], log: (message: string) => void): Promise<WorkloadResult> {
  const settings = simulatorSettings(spec, timeScale);
  const policies: PolicySpec[] = [...POLICIES.map((name) => ({ name })), ...variants.map((v) => ({ name: `lm-queue:${v.label}`, engine: v.engine }))];
  log(`${spec.name}: ${spec.workload.jobs.length} jobs, ${runs} run(s)`);
  const perRun: PolicyMetrics[][] = [];
  for (let run = 0; run < runs; run++) {
    const results: PolicyMetrics[] = [];
    for (const policy of policies) {
      const started = Date.now();
      const sim = await spawnSimulator(settings);
      try {
        const trace = await runPolicy(policy, spec, sim, timeScale);
        const metrics = analyzeRun(trace, await sim.record(), spec.workload, { timeScale, slots: spec.slotCapacity });
        results.push(metrics);
        log(
          `  run ${run + 1} ${policy.name}: interactive p95 ${metrics.interactiveWait.p95.toFixed(1)} s, loads ${metrics.loads}, unloads ${metrics.unloads}, ` +
            `cut off ${metrics.requestsCutOff}, utilization ${(metrics.utilization * 100).toFixed(1)}%, batch done ${metrics.batchCompletionSeconds.toFixed(0)} s ` +
            `(${((Date.now() - started) / 1000).toFixed(0)} s wall)`,
        );
      } finally {
        await sim.close();
      }
    }
    perRun.push(results);
  }
  const medians = policies.map((_, i) => medianOfRuns(perRun.map((r) => r[i]!)));
  const byName = new Map(medians.map((p) => [p.policy, p]));
  return {
    name: spec.name,
    title: spec.title,
    summary: spec.summary,
    slotCapacity: spec.slotCapacity,
    simulator: settings,
    workload: describeWorkload(spec.workload),
    policies: medians,
    goals: evaluateGoals(spec.name, {
      lmQueue: byName.get('lm-queue')!,
      thirdDay: byName.get(THIRD_DAY)!,
      fifo: byName.get('fifo')!,
      strictPriority: byName.get('strict-priority')!,
      loadsFloor: spec.name === 'room-for-one' ? loadsFloorOf(spec.workload.jobs, spec.initialLoaded[0]!, settings.loadSeconds) : undefined,
    }),
    perRun,
  };
}

export async function runQualityBench(options: QualityOptions = {}): Promise<QualityResult> {
  const quick = options.quick ?? false;
  const runs = options.runs ?? (quick ? 1 : 3);
  // Full mode: three runs of each workload in about 12 minutes on 2 cores.
  const timeScale = options.timeScale ?? (quick ? 0.02 : 0.03);
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? (() => {});
  const variants = options.variants ?? [];
  const started = Date.now();
  log(`quality: ${runs} run(s) per workload, time scale ${timeScale} (${os.cpus().length} cores)`);
  const workloads: WorkloadResult[] = [];
  for (const name of options.workloads ?? WORKLOAD_NAMES) workloads.push(await runWorkload(workloadSpec(name, seed), runs, timeScale, variants, log));
  return {
    name: 'quality',
    mode: quick ? 'quick' : 'full',
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    runs,
    timeScale,
    seed,
    variants,
    workloads,
  };
}
