/**
 * Accepting a 50,000-line batch through the real LAN server: the upload (multipart, streamed to
 * disk), then POST /v1/batches until every line is a queued child job. Measured: wall time,
 * the longest event-loop block while it happens (perf_hooks' delay histogram, 1 ms resolution)
 * and the peak resident set. Dispatch is paused, so nothing else competes.
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../../src/main/core/engine';
import { startServer } from '../../src/main/server/server';
import { instantBackend } from '../instant-backend';

const MODEL = 'bench-model';

export interface AcceptResult {
  lines: number;
  fileBytes: number;
  uploadSeconds: number;
  /** From POST /v1/batches to every child queued (the parent sealed). */
  acceptSeconds: number;
  /** How long POST /v1/batches took to answer (the batch is `validating` then). */
  createAnswerMs: number;
  /** The longest the event loop was held during the accept, in ms (whatever held it). */
  longestBlockMs: number;
  /** The longest single addChildren call (one chunk, one commit), and how many there were. */
  longestChunkMs: number;
  chunks: number;
  /** p99 of the event-loop delay during the accept, in ms. */
  p99BlockMs: number;
  /**
   * Same run, the engine alone: 50,000 children added straight through addChildren (1,000 a
   * call, a turn between), no file, no HTTP: what the Batch API's own work adds is the difference.
   */
  engineOnlySeconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
  target: { acceptSeconds: number; longestBlockMs: number };
}

function writeInput(path: string, lines: number): void {
  const chunks: string[] = [];
  for (let i = 0; i < lines; i++) {
    chunks.push(JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: `Summarize ticket ${i} in one line.` }], max_tokens: 64 } }));
  }
  writeFileSync(path, chunks.join('\n') + '\n');
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

export async function runBatchAccept(lines = 50_000): Promise<AcceptResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-bench-batch-'));
  const inputPath = join(dir, 'input.jsonl');
  writeInput(inputPath, lines);
  const engine = await createEngine({ dataDir: join(dir, 'data'), backend: instantBackend([MODEL], 4), startPaused: true, maxQueued: 1_000_000 });
  const server = await startServer({ engine, port: 0 });
  // Times each chunk the Batch API adds (it calls the engine's addChildren).
  const chunkMs: number[] = [];
  const addChildren = engine.addChildren.bind(engine);
  engine.addChildren = (...args) => {
    const started = performance.now();
    try {
      return addChildren(...args);
    } finally {
      chunkMs.push(performance.now() - started);
    }
  };
  try {
    const uploadStarted = performance.now();
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', await fileBlob(inputPath), 'input.jsonl');
    const file = (await (await fetch(`${server.url}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;

    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    });
    const createAnswerMs = performance.now() - started;
    const batch = (await response.json()) as { id: string; error?: unknown };
    if (!response.ok) throw new Error(`POST /v1/batches: ${response.status} ${JSON.stringify(batch)}`);
    const viewer = { owner: 'local', role: 'admin' as const };
    for (;;) {
      const current = engine.batches.get(viewer, batch.id);
      if (current.status === 'failed') throw new Error(`the batch failed: ${JSON.stringify(current.errors)}`);
      // The batch's own mark, not the parent's job view: a view may recompute the whole forecast.
      if (engine.batches.sealed(batch.id)) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const acceptSeconds = (performance.now() - started) / 1000;
    const parent = engine.get(engine.batches.get(viewer, batch.id).lmq_job_id!);
    if (parent.children?.total !== lines) throw new Error(`sealed with ${parent.children?.total} children, not ${lines}`);
    delay.disable();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      lines,
      fileBytes: statSync(inputPath).size,
      uploadSeconds: round(uploadSeconds, 3),
      acceptSeconds: round(acceptSeconds, 3),
      createAnswerMs: round(createAnswerMs, 1),
      longestBlockMs: round(delay.max / 1e6, 1),
      longestChunkMs: round(Math.max(...chunkMs), 1),
      chunks: chunkMs.length,
      p99BlockMs: round(delay.percentile(99) / 1e6, 1),
      engineOnlySeconds: round(await engineOnly(dir, lines), 3),
      rssBeforeMb: mb(rssBefore),
      peakRssMb: mb(peakRss),
      target: { acceptSeconds: 2, longestBlockMs: 50 },
    };
  } finally {
    await server.close();
    await engine.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function engineOnly(dir: string, lines: number): Promise<number> {
  const engine = await createEngine({ dataDir: join(dir, 'engine-only'), backend: instantBackend([MODEL], 4), startPaused: true, maxQueued: 1_000_000 });
  try {
    const started = performance.now();
    const parent = engine.createParent({ kind: 'batch', owner: 'local' });
    for (let first = 0; first < lines; first += 1_000) {
      const chunk = Array.from({ length: Math.min(1_000, lines - first) }, (_, i) => ({
        kind: 'chat' as const,
        model: MODEL,
        input: { model: MODEL, messages: [{ role: 'user', content: `Summarize ticket ${first + i} in one line.` }], max_tokens: 64 },
      }));
      engine.addChildren(parent.id, first, chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    engine.sealParent(parent.id);
    return (performance.now() - started) / 1000;
  } finally {
    await engine.close({ graceMs: 0 });
  }
}

/** The file as a Blob that reads from disk (Node 20: openAsBlob). */
async function fileBlob(path: string): Promise<Blob> {
  const { openAsBlob } = await import('node:fs');
  if (typeof openAsBlob === 'function') return openAsBlob(path);
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path)) chunks.push(chunk as Buffer);
  return new Blob(chunks);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
