/**
 * One parent-job measurement in a fresh process (so RSS is its own):
 *   tsx bench/queue/parent-worker.ts accept <children>    a batch's children added in chunks of
 *     1,000 (what the Batch API does): time, the longest chunk, the event loop's longest delay
 *   tsx bench/queue/parent-worker.ts forecast <queued> children|plain   positions+ETAs with
 *     <queued> children of one parent queued, or as many ordinary jobs of the same shape
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createEngine } from '../../src/main/core/engine';
import type { Engine, NewChild } from '../../src/main/core/engine-api';
import { JobStore } from '../../src/main/core/store/job-store';
import { instantBackend } from '../instant-backend';

const [mode, sizeText, shape] = process.argv.slice(2);
const size = Number(sizeText);
const dir = mkdtempSync(join(tmpdir(), 'lmq-bench-parents-'));
const MODELS = ['qwen-7b', 'llama-8b'];
const CHUNK = 1_000;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const line = (i: number): NewChild => ({
  kind: 'chat',
  model: MODELS[0]!,
  input: { messages: [{ role: 'user', content: `Summarize paragraph ${i} of the report in one line.` }], max_tokens: 128 },
});

const open = (): Promise<Engine> =>
  createEngine({ dataDir: dir, backend: instantBackend(MODELS, 4), maxConcurrency: 4, startPaused: true, maxQueued: size + 10 });

/** The longest chunk in wall time, and in CPU time (the machine may be shared: wall time includes waiting for a core). */
async function addAll(engine: Engine, parentId: string): Promise<{ longestChunkMs: number; longestChunkCpuMs: number; cpuSeconds: number }> {
  let longestChunkMs = 0;
  let longestChunkCpuMs = 0;
  let cpu = 0;
  for (let from = 0; from < size; from += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, size - from) }, (_, i) => line(from + i));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    engine.addChildren(parentId, from, chunk);
    const used = process.cpuUsage(c0);
    const cpuMs = (used.user + used.system) / 1000;
    cpu += cpuMs;
    longestChunkMs = Math.max(longestChunkMs, performance.now() - t0);
    longestChunkCpuMs = Math.max(longestChunkCpuMs, cpuMs);
    await nextTurn();
  }
  return { longestChunkMs, longestChunkCpuMs, cpuSeconds: cpu / 1000 };
}

async function accept(): Promise<object> {
  const engine = await open();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  const parent = engine.createParent({ kind: 'batch', owner: 'batcher' });
  const chunks = await addAll(engine, parent.id);
  engine.sealParent(parent.id);
  await engine.durable();
  const acceptSeconds = (performance.now() - t0) / 1000;
  delay.disable();
  const t1 = performance.now();
  const shown = engine.get(parent.id);
  const parentViewMs = performance.now() - t1;
  if (shown.children?.total !== size) throw new Error(`parent holds ${shown.children?.total} of ${size}`);
  await engine.close({ graceMs: 0 });
  return { children: size, acceptSeconds, ...chunks, loopDelayMaxMs: delay.max / 1e6, parentViewMs, loadAverage: loadavg()[0] };
}

/** The same queue as `size` ordinary jobs: one owner, lane, priority and model, as a batch's children are. */
function fillPlain(): void {
  const store = new JobStore({ path: join(dir, 'lmqueue.db') });
  const now = Date.now();
  for (let start = 0; start < size; start += 10_000) {
    store.transaction(() => {
      for (let i = start; i < Math.min(size, start + 10_000); i++) {
        const { kind, model, input } = line(i);
        store.insert({ kind, model, input, owner: 'batcher', lane: 'batch', priority: 5, maxAttempts: 3, createdAt: now - (size - i), runAt: null, promptTokens: 12, maxTokens: 128, metadata: null });
      }
    });
  }
  store.close();
}

async function forecastTiming(): Promise<object> {
  let parentId: string | null = null;
  if (shape === 'children') {
    const filling = await open();
    parentId = filling.createParent({ kind: 'batch', owner: 'batcher' }).id;
    await addAll(filling, parentId);
    filling.sealParent(parentId);
    await filling.close({ graceMs: 0 });
  } else {
    fillPlain();
  }
  // Opened on the filled directory, as after a restart (the parent's counts are counted again).
  const t0 = performance.now();
  const engine = await open();
  const openSeconds = (performance.now() - t0) / 1000;
  const probe = { kind: 'chat' as const, model: MODELS[0]!, input: line(0).input };
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    // Each submit+cancel changes the queue, so the next read recomputes the whole forecast.
    engine.cancel(engine.submit(probe, { owner: 'probe' }).id);
    const t1 = performance.now();
    const snapshot = engine.snapshot({ offset: 0, limit: 10 });
    times.push(performance.now() - t1);
    if (snapshot.counts.queued !== size) throw new Error(`queue holds ${snapshot.counts.queued} of ${size}`);
  }
  times.shift(); // warm-up
  times.sort((a, b) => a - b);
  let parentViewMs = null;
  if (parentId) {
    const t2 = performance.now();
    engine.get(parentId);
    parentViewMs = performance.now() - t2;
  }
  await engine.close({ graceMs: 0 });
  return { queued: size, shape, forecastMedianMs: times[Math.floor(times.length / 2)], openSeconds, parentViewMs };
}

const result = mode === 'accept' ? await accept() : await forecastTiming();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, ...result, peakRssMb: peakRss / 2 ** 20 }));
