/**
 * One queue-overhead measurement in a fresh process (its own heap, its own RSS):
 *   tsx bench/bullmq/throughput-worker.ts lm-queue <jobs> <concurrency>
 *   tsx bench/bullmq/throughput-worker.ts bullmq-bulk|bullmq-add <jobs> <concurrency> <redisPort>
 * Adds <jobs> no-op jobs with seeded random priorities 0-9, then claims and completes them all
 * with <concurrency> consumers. Prints one JSON line.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createEngine } from '../../src/main/core/engine';
import { createRandom } from '../../tools/lmstudio-sim/text-generator';
import { instantBackend } from '../instant-backend';
import { THROUGHPUT_MODES, type ThroughputMeasurement, type ThroughputMode } from './measurement';

const MODEL = 'bench-model';
const INPUT = { messages: [{ role: 'user', content: 'Summarize the attached paragraph in one line.' }], max_tokens: 128 };
const BULK_CHUNK = 1_000;

function priorities(jobs: number): number[] {
  const random = createRandom(7);
  return Array.from({ length: jobs }, () => Math.floor(random() * 10));
}

async function lmQueue(mode: 'lm-queue' | 'lm-queue-each', jobs: number, concurrency: number): Promise<Omit<ThroughputMeasurement, 'peakRssMb'>> {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-vs-bullmq-'));
  const engine = await createEngine({ dataDir: dir, backend: instantBackend([MODEL], concurrency), maxConcurrency: concurrency });
  try {
    const order = priorities(jobs);
    engine.setPaused(true);
    let t0 = performance.now();
    for (let i = 0; i < jobs; i++) {
      engine.submit({ kind: 'chat', model: MODEL, priority: order[i], input: INPUT }, { owner: 'bench' });
      if (mode === 'lm-queue-each') await engine.durable();
    }
    await engine.durable();
    const addSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    engine.setPaused(false);
    await new Promise<void>((resolve) => {
      const check = (): void => void (engine.counts().succeeded >= jobs ? resolve() : setTimeout(check, 5));
      check();
    });
    const processSeconds = (performance.now() - t0) / 1000;
    await engine.durable();
    const storeBytes = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    return { storeFileMb: storeBytes / 2 ** 20, mode, jobs, concurrency, addSeconds, addPerSec: jobs / addSeconds, processSeconds, processPerSec: jobs / processSeconds };
  } finally {
    await engine.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bullmq(mode: 'bullmq-bulk' | 'bullmq-add', jobs: number, concurrency: number, port: number): Promise<Omit<ThroughputMeasurement, 'peakRssMb'>> {
  // BullMQ requires maxRetriesPerRequest: null on connections its workers block on.
  const connect = (): Redis => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
  const queueConnection = connect();
  const workerConnection = connect();
  const name = `bench-${mode}`;
  const queue = new Queue(name, { connection: queueConnection });
  let worker: Worker | null = null;
  try {
    await queue.waitUntilReady();
    await queueConnection.flushdb();
    const order = priorities(jobs);
    // BullMQ: 1 is the highest priority; ours: 9 is. Every job gets one, as in LM Queue.
    const job = (i: number) => ({ name: 'chat', data: { kind: 'chat', model: MODEL, input: INPUT }, opts: { priority: 10 - order[i]! } });
    let t0 = performance.now();
    if (mode === 'bullmq-bulk') {
      for (let start = 0; start < jobs; start += BULK_CHUNK) {
        await queue.addBulk(Array.from({ length: Math.min(BULK_CHUNK, jobs - start) }, (_, k) => job(start + k)));
      }
    } else {
      for (let i = 0; i < jobs; i++) {
        const j = job(i);
        await queue.add(j.name, j.data, j.opts);
      }
    }
    const addSeconds = (performance.now() - t0) / 1000;

    worker = new Worker(name, async () => {}, { connection: workerConnection, concurrency, autorun: false });
    await worker.waitUntilReady();
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      worker!.on('completed', () => {
        if (++completed === jobs) resolve();
      });
    });
    t0 = performance.now();
    void worker.run();
    await allDone;
    const processSeconds = (performance.now() - t0) / 1000;
    const usedMemory = Number(/used_memory:(\d+)/.exec(await queueConnection.info('memory'))?.[1] ?? NaN);
    return {
      mode,
      jobs,
      concurrency,
      addSeconds,
      addPerSec: jobs / addSeconds,
      processSeconds,
      processPerSec: jobs / processSeconds,
      redisUsedMemoryMb: usedMemory / 2 ** 20,
    };
  } finally {
    await worker?.close();
    await queue.close();
    queueConnection.disconnect();
    workerConnection.disconnect();
  }
}

const [mode, jobsText, concurrencyText, portText] = process.argv.slice(2);
if (!THROUGHPUT_MODES.includes(mode as ThroughputMode)) {
  console.error(`usage: throughput-worker.ts ${THROUGHPUT_MODES.join('|')} <jobs> <concurrency> [redisPort]`);
  process.exit(2);
}
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const result =
  mode === 'lm-queue' || mode === 'lm-queue-each'
    ? await lmQueue(mode, jobs, concurrency)
    : await bullmq(mode as 'bullmq-bulk' | 'bullmq-add', jobs, concurrency, Number(portText));
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(JSON.stringify({ ...result, peakRssMb: peakRss / 2 ** 20 } satisfies ThroughputMeasurement));
