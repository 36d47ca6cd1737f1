/**
 * Queue overhead against BullMQ on a local Redis: the same no-op jobs with random priorities, the
 * same number of consumers, the same machine, the same run. Each side runs in its own process.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../quality/sim-process';
import { medianOfRuns } from '../quality/metrics';
import { THROUGHPUT_MODES, type ThroughputMeasurement, type ThroughputMode } from './measurement';
import { startRedisServer } from './redis-server';

export interface BullmqComparisonOptions {
  quick?: boolean;
  jobs?: number;
  concurrency?: number;
  /** Measurements per mode (median kept); default 1 quick, 3 full. */
  repeats?: number;
  log?: (message: string) => void;
}

export interface BullmqComparisonResult {
  name: 'bullmq';
  mode: 'quick' | 'full';
  startedAt: string;
  jobs: number;
  concurrency: number;
  repeats: number;
  redisVersion: string;
  bullmqVersion: string;
  ioredisVersion?: string;
  notes: string[];
  /** Submissions in a burst, then `durable()`; its claim+complete phase is the one compared. */
  lmQueue: ThroughputMeasurement;
  /** Each submission awaited until durable (what a host does before answering one request). */
  lmQueueEach: ThroughputMeasurement;
  bullmqAddBulk: ThroughputMeasurement;
  bullmqAdd: ThroughputMeasurement;
  /** LM Queue's rate divided by BullMQ's (above 1: LM Queue is faster). */
  ratios: { addVsAddBulk: number; addEachVsAdd: number; processVsBullmq: number };
}

export function runMeasurement(mode: ThroughputMode, jobs: number, concurrency: number, redisPort: number | null, timeoutMs: number): Promise<ThroughputMeasurement> {
  const args = ['--import', 'tsx', 'bench/bullmq/throughput-worker.ts', mode, String(jobs), String(concurrency)];
  if (redisPort !== null) args.push(String(redisPort));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${mode} did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ThroughputMeasurement);
      else reject(new Error(`${mode} exited with code ${code}\n${stderr}`));
    });
  });
}

async function installedVersion(name: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    const pkg = JSON.parse(await readFile(`${REPO_ROOT}/node_modules/${name}/package.json`, 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    throw new Error(`${name} is not installed: npm install (bullmq and ioredis are devDependencies)`);
  }
}

export async function runBullmqComparison(options: BullmqComparisonOptions = {}): Promise<BullmqComparisonResult> {
  const quick = options.quick ?? false;
  const jobs = options.jobs ?? (quick ? 10_000 : 100_000);
  const concurrency = options.concurrency ?? 8;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const log = options.log ?? (() => {});
  // Rates here run from ~2k to ~100k jobs/s; a bound that still ends a stuck run.
  const timeoutMs = Math.max(60_000, jobs * 5);
  const version = await installedVersion('bullmq');
  const ioredisVersion = await installedVersion('ioredis');
  const startedAt = new Date().toISOString();
  const redis = await startRedisServer();
  try {
    log(`bullmq: ${jobs} jobs, ${concurrency} consumers, BullMQ ${version}, Redis ${redis.version} on 127.0.0.1:${redis.port}`);
    const runs = new Map<ThroughputMode, ThroughputMeasurement[]>(THROUGHPUT_MODES.map((mode) => [mode, []]));
    // Round-robin, so drift over the run (thermal, other load) touches every mode alike.
    for (let round = 0; round < repeats; round++) {
      for (const mode of THROUGHPUT_MODES) {
        const m = await runMeasurement(mode, jobs, concurrency, mode.startsWith('lm-queue') ? null : redis.port, timeoutMs);
        log(`  ${mode}: add ${Math.round(m.addPerSec)} jobs/s, claim+complete ${Math.round(m.processPerSec)} jobs/s, peak RSS ${Math.round(m.peakRssMb)} MB`);
        runs.get(mode)!.push(m);
      }
    }
    const pick = (mode: ThroughputMode): ThroughputMeasurement => medianOfRuns(runs.get(mode)!);
    const lmQueue = pick('lm-queue');
    const lmQueueEach = pick('lm-queue-each');
    const bullmqAddBulk = pick('bullmq-bulk');
    const bullmqAdd = pick('bullmq-add');
    return {
      name: 'bullmq',
      mode: quick ? 'quick' : 'full',
      startedAt,
      jobs,
      concurrency,
      repeats,
      redisVersion: redis.version,
      bullmqVersion: version,
      ioredisVersion,
      notes: [
        'LM Queue: the engine in-process with an instant backend, SQLite on local disk (WAL, synchronous=NORMAL); dispatch paused while adding; the add phase ends when `durable()` resolves. Burst: submissions share group commits. Each: every submission awaits `durable()`, as a host does before acknowledging one request.',
        'BullMQ: Redis on loopback with persistence off (no RDB, no AOF); a Worker with the same concurrency and a no-op processor; completed jobs kept (BullMQ default), as LM Queue keeps them.',
        'addBulk sends chunks of 1000; plain add awaits each call in turn, as one request handler would. Claim + complete is compared between the burst runs (queues filled the same way).',
      ],
      lmQueue,
      lmQueueEach,
      bullmqAddBulk,
      bullmqAdd,
      ratios: {
        addVsAddBulk: lmQueue.addPerSec / bullmqAddBulk.addPerSec,
        addEachVsAdd: lmQueueEach.addPerSec / bullmqAdd.addPerSec,
        processVsBullmq: lmQueue.processPerSec / bullmqAddBulk.processPerSec,
      },
    };
  } finally {
    await redis.stop();
  }
}
