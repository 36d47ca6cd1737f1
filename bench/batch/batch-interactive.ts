/**
 * Chats while a 2,000-request batch runs, on the simulator (its own process): how long a chat
 * waits for a slot under FIFO, strict priority and LM Queue (the batch through the Batch API,
 * chats through engine.submit as the LAN server's routes do). Waits are in simulated seconds,
 * from a chat's arrival to its start at LM Studio (the simulator's record), against the median
 * service time of one batch request: the goal is chats starting within one of those.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/main/core/engine';
import type { Engine } from '../../src/main/core/engine-api';
import type { SimRecord } from '../../tools/lmstudio-sim/sim-record';
import { runBaseline } from '../quality/baseline-queues';
import { median, percentile } from '../quality/metrics';
import { withTimeout } from '../quality/run-trace';
import { spawnSimulator, type SimSettings } from '../quality/sim-process';
import type { WorkloadJob } from '../quality/workload';

const MODEL = 'bench-model';
const SLOTS = 4;

export interface WaitRow {
  policy: string;
  chats: number;
  p50: number;
  p95: number;
  max: number;
  /** Median start→finish of one batch request (simulated seconds). */
  batchServiceMedian: number;
  /** From the batch's submission to its last request's end. */
  batchCompletionSeconds: number;
}

export interface InteractiveResult {
  batchRequests: number;
  chats: number;
  timeScale: number;
  slots: number;
  rows: WaitRow[];
}

function workload(batchRequests: number, chats: number): WorkloadJob[] {
  const jobs: WorkloadJob[] = [];
  for (let i = 0; i < batchRequests; i++) {
    jobs.push({ id: `batch-${i}`, owner: 'carol', lane: 'batch', priority: 5, model: MODEL, arrivalSeconds: 0, kind: 'chat', input: { messages: [{ role: 'user', content: `Classify document ${i}.` }], max_tokens: 80 } });
  }
  // Two people chatting through the batch's first stretch, a message each every ~20 s.
  for (let i = 0; i < chats; i++) {
    const owner = i % 2 === 0 ? 'alice' : 'bob';
    jobs.push({ id: `${owner}-${i}`, owner, lane: 'interactive', priority: 5, model: MODEL, arrivalSeconds: 5 + i * 10, kind: 'chat', input: { messages: [{ role: 'user', content: `Question ${i}?` }], max_tokens: 80 } });
  }
  return jobs;
}

function simSettings(timeScale: number): SimSettings {
  return {
    models: [MODEL],
    initialLoaded: [MODEL],
    memoryBytes: 64e9,
    jitAutoEvict: true,
    parallel: SLOTS,
    tokensPerSecond: 40,
    promptTokensPerSecond: 400,
    loadSeconds: 3,
    batchExponent: 0.7,
    minOutputTokens: 40,
    maxOutputTokens: 80,
    contextLength: 8192,
    seed: 7,
    timeScale,
    evictOnSwitch: false,
  };
}

/** Waits and service times from what the simulator served, keyed by the request ids the run used. */
function rowFrom(policy: string, record: SimRecord, arrivals: Map<string, { at: number; lane: string }>, t0: number, timeScale: number): WaitRow {
  const simSeconds = (ms: number) => ms / 1000 / timeScale;
  const waits: number[] = [];
  const service: number[] = [];
  let lastBatchEnd = t0;
  for (const request of record.requests) {
    const arrival = request.clientRequestId ? arrivals.get(request.clientRequestId) : undefined;
    if (!arrival || request.startedAt === null) continue;
    if (arrival.lane === 'interactive') waits.push(Math.max(0, simSeconds(request.startedAt - arrival.at)));
    else {
      if (request.finishedAt !== null) service.push(simSeconds(request.finishedAt - request.startedAt));
      lastBatchEnd = Math.max(lastBatchEnd, request.finishedAt ?? 0);
    }
  }
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    policy,
    chats: waits.length,
    p50: r(percentile(waits, 50)),
    p95: r(percentile(waits, 95)),
    max: r(Math.max(...waits)),
    batchServiceMedian: r(median(service)),
    batchCompletionSeconds: r(simSeconds(lastBatchEnd - t0)),
  };
}

async function waitForBackend(engine: Engine): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (engine.backend().status !== 'up' || engine.models().length === 0) {
    if (Date.now() > deadline) throw new Error('LM Queue did not see the simulator');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runLmQueue(jobs: WorkloadJob[], simUrl: string, timeScale: number, timeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-bench-batch-wait-'));
  const engine = await createEngine({ dataDir: dir, backend: { url: simUrl }, maxConcurrency: SLOTS, agingSeconds: 60 * timeScale, switchBoundSeconds: 60 * timeScale });
  const arrivals = new Map<string, { at: number; lane: string }>();
  try {
    await waitForBackend(engine);
    const batchJobs = jobs.filter((j) => j.lane === 'batch');
    const inputPath = join(dir, 'input.jsonl');
    writeFileSync(inputPath, batchJobs.map((j) => JSON.stringify({ custom_id: j.id, method: 'POST', url: '/v1/chat/completions', body: { model: j.model, ...j.input } })).join('\n') + '\n');
    const viewer = { owner: 'carol', role: 'member' as const, maxPriority: 7 };
    const upload = await engine.batches.files.receive(createReadStream(inputPath), 1e9);
    const file = engine.batches.addFile(upload, { owner: 'carol', filename: 'input.jsonl', purpose: 'batch' });
    const t0 = Date.now();
    const batch = engine.batches.create(viewer, { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, null);
    const finishes: Promise<unknown>[] = [];
    const stopListening = engine.on('job.updated', () => {});
    for (const chat of jobs.filter((j) => j.lane === 'interactive')) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + chat.arrivalSeconds * 1000 * timeScale - Date.now())));
      const job = engine.submit({ kind: 'chat', model: chat.model, lane: 'interactive', input: chat.input }, { owner: chat.owner });
      arrivals.set(job.id, { at: Date.now(), lane: 'interactive' });
      finishes.push(engine.waitForFinish(job.id));
    }
    await withTimeout(
      (async () => {
        await Promise.all(finishes);
        for (;;) {
          const current = engine.batches.get(viewer, batch.id);
          if (current.status === 'completed') return;
          if (current.status === 'failed') throw new Error(`batch failed: ${JSON.stringify(current.errors)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      timeoutMs,
      'the LM Queue batch run',
    );
    stopListening();
    const parentId = engine.batches.get(viewer, batch.id).lmq_job_id!;
    for (let after = -1; ; ) {
      const page = engine.childPage(parentId, after, 1_000);
      if (page.length === 0) break;
      for (const child of page) arrivals.set(child.job.id, { at: t0, lane: 'batch' });
      after = page.at(-1)!.index;
    }
    return { arrivals, t0 };
  } finally {
    await engine.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBatchInteractive(options: { quick: boolean; log: (line: string) => void }): Promise<InteractiveResult> {
  // Real overheads (dispatch, HTTP) count 1/timeScale times over in simulated seconds: keep it slow enough.
  const timeScale = options.quick ? 0.01 : 0.02;
  const batchRequests = 2_000;
  const chats = 60;
  const jobs = workload(batchRequests, chats);
  const timeoutMs = 600_000;
  const rows: WaitRow[] = [];
  for (const policy of ['fifo', 'strict-priority', 'lm-queue'] as const) {
    const sim = await spawnSimulator(simSettings(timeScale));
    try {
      if (policy === 'lm-queue') {
        const { arrivals, t0 } = await runLmQueue(jobs, sim.url, timeScale, timeoutMs);
        rows.push(rowFrom(policy, await sim.record(), arrivals, t0, timeScale));
      } else {
        const trace = await runBaseline(policy, jobs, { simUrl: sim.url, slots: SLOTS, modelSlots: { [MODEL]: SLOTS }, timeScale, timeoutMs });
        const arrivals = new Map<string, { at: number; lane: string }>();
        for (const job of jobs) {
          const t = trace.jobs.get(job.id);
          if (t) arrivals.set(t.requestId, { at: t.arrivedAtMs, lane: job.lane });
        }
        rows.push(rowFrom(policy, await sim.record(), arrivals, trace.t0Ms, timeScale));
      }
      options.log(`  ${policy}: chat wait p50 ${rows.at(-1)!.p50} s, p95 ${rows.at(-1)!.p95} s (one batch request: ${rows.at(-1)!.batchServiceMedian} s)`);
    } finally {
      await sim.close();
    }
  }
  return { batchRequests, chats, timeScale, slots: SLOTS, rows };
}
