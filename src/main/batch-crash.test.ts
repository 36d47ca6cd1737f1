/**
 * kill -9 the real server mid-batch and restart it on the same data directory: the batch goes
 * on where it was. Every line is answered once in the output file, LM Studio never ran one
 * request twice at once; a kill while the lines were still being added leaves every line a
 * child exactly once after the restart.
 */
import OpenAI, { toFile } from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import type { Job } from '../shared/job';
import { callJson, killHard, startHeadless, type HeadlessProcess } from './testing/headless-process';

const servers: HeadlessProcess[] = [];
let sim: Simulator | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  for (const server of servers.splice(0)) server.child.kill('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<HeadlessProcess & { openai: OpenAI }> {
  const server = await startHeadless({ backendUrl: sim!.url, dataDir: dataDir! });
  servers.push(server);
  return { ...server, openai: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'local', maxRetries: 0 }) };
}

function lines(count: number): Buffer {
  const text = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ custom_id: `line-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'model-a', messages: [{ role: 'user', content: `task ${i}` }], max_tokens: 40 } }),
  ).join('\n');
  return Buffer.from(text + '\n');
}

test('kill -9 mid-batch and restart: every line answered once in the output file, none ran twice at once', async () => {
  sim = await startSimulator({ models: ['model-a'], parallel: 4, tokensPerSecond: 40, timeScale: 0.05, seed: 5 });
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-batch-crash-'));
  let server = await start();
  const file = await server.openai.files.create({ file: await toFile(lines(120), 'tasks.jsonl'), purpose: 'batch' });
  const { id } = await server.openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  // Some lines done, some running, most still queued.
  await vi.waitFor(
    async () => {
      const batch = await server.openai.batches.retrieve(id);
      expect(batch.request_counts?.completed).toBeGreaterThanOrEqual(8);
      expect(sim!.record.requests.some((r) => r.finishedAt === null)).toBe(true);
    },
    { timeout: 60_000, interval: 1 },
  );
  await killHard(server);

  server = await start();
  const batch = await vi.waitFor(
    async () => {
      const current = await server.openai.batches.retrieve(id);
      expect(current.status).toBe('completed');
      return current;
    },
    { timeout: 120_000, interval: 50 },
  );
  expect(batch.request_counts).toEqual({ total: 120, completed: 120, failed: 0 });
  expect(batch.error_file_id).toBeNull();
  const output = (await (await server.openai.files.content(batch.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number; request_id: string } });
  expect(output.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 120 }, (_, i) => `line-${i}`).sort());
  expect(output.every((l) => l.response.status_code === 200)).toBe(true);

  // Some requests were cut off by the kill and sent again; never two at once for one line.
  const byChild = new Map<string, Array<{ start: number; end: number }>>();
  for (const r of sim.record.requests) {
    if (!r.clientRequestId) continue;
    byChild.set(r.clientRequestId, [...(byChild.get(r.clientRequestId) ?? []), { start: r.arrivedAt, end: r.finishedAt ?? Infinity }]);
  }
  expect([...byChild.values()].some((sent) => sent.length >= 2)).toBe(true);
  for (const [child, sent] of byChild) {
    sent.sort((a, b) => a.start - b.start);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.start, `${child} ran twice at once`).toBeGreaterThanOrEqual(sent[i - 1]!.end);
  }
  expect(new Set(output.map((l) => l.response.request_id))).toEqual(new Set(byChild.keys()));
}, 240_000);

test('kill -9 while the lines are being added: after the restart each line is a child exactly once', async () => {
  sim = await startSimulator({ models: ['model-a'], parallel: 4, timeScale: 0.05 });
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-batch-crash-'));
  let server = await start();
  // Nothing runs: only the adding is under test.
  await callJson(server.url, '/api/dispatch/pause', { method: 'POST', body: {} });
  const total = 50_000;
  const file = await server.openai.files.create({ file: await toFile(lines(total), 'many.jsonl'), purpose: 'batch' });
  const { id } = await server.openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  let parentId = '';
  await vi.waitFor(
    async () => {
      const batch = await server.openai.batches.retrieve(id);
      parentId = (batch as typeof batch & { lmq_job_id: string | null }).lmq_job_id ?? '';
      expect(parentId).not.toBe('');
      const { job } = await callJson<{ job: Job }>(server.url, `/api/jobs/${parentId}`);
      expect(job.children?.total).toBeGreaterThan(0);
      expect(job.children?.total).toBeLessThan(total);
    },
    { timeout: 30_000, interval: 1 },
  );
  await killHard(server);

  server = await start();
  const parent = await vi.waitFor(
    async () => {
      const { job } = await callJson<{ job: Job }>(server.url, `/api/jobs/${parentId}`);
      expect(job.children?.total).toBe(total);
      expect(job.children?.queued).toBe(total);
      return job;
    },
    { timeout: 60_000, interval: 50 },
  );
  expect(parent.state).toBe('queued');
  const batch = await server.openai.batches.retrieve(id);
  expect(batch).toMatchObject({ status: 'in_progress', request_counts: { total, completed: 0, failed: 0 } });
  // The children are the lines in order, each once: the last page ends at the last line.
  const page = await callJson<{ jobs: Job[] }>(server.url, `/api/jobs?parent=${parentId}&limit=500&cursor=${total - 3}`);
  expect(page.jobs.map((j) => j.childIndex)).toEqual([total - 2, total - 1]);
}, 120_000);
