/**
 * kill -9 the real server process mid-work, restart it on the same data directory: every
 * accepted job ends succeeded, and LM Studio (the simulator) never ran one job twice at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import type { Job } from '../shared/job';

const HEADLESS = join(import.meta.dirname, 'headless.ts');
const children: ChildProcess[] = [];
let sim: Simulator | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm run serve` equivalent and resolves with its URL once it accepts requests. */
function startServer(backendUrl: string, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', HEADLESS, '--host', '127.0.0.1', '--port', '0', '--backend', backendUrl, '--data-dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LMQ_LOG_LEVEL: 'warn' } },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /LM Queue listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve({ url: match[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

async function api<T>(url: string, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url + path, { ...init, headers: { 'content-type': 'application/json' } });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

test('SIGKILL mid-work and restart: every accepted job succeeds, none ran twice at once', async () => {
  sim = await startSimulator({ models: ['model-a'], parallel: 4, tokensPerSecond: 40, timeScale: 0.05, seed: 3 });
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-crash-'));
  let server = await startServer(sim.url, dataDir);
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const { job } = await api<{ job: Job }>(server.url, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ kind: 'chat', model: 'model-a', lane: 'batch', input: { messages: [{ role: 'user', content: `task ${i}` }], max_tokens: 60 } }),
    });
    ids.push(job.id);
  }
  // Kill while some jobs are done, some running and most still queued.
  // Checked as often as the server answers: the window where both hold is short.
  await vi.waitFor(
    async () => {
      const { counts } = await api<{ counts: { succeeded: number; running: number } }>(server.url, '/api/queue?limit=0');
      expect(counts.succeeded).toBeGreaterThanOrEqual(3);
      expect(counts.running).toBeGreaterThan(0);
    },
    { timeout: 60_000, interval: 1 },
  );
  server.child.kill('SIGKILL');
  await new Promise((resolve) => server.child.once('exit', resolve));

  server = await startServer(sim.url, dataDir);
  const jobs = await vi.waitFor(
    async () => {
      const all = await Promise.all(ids.map((id) => api<{ job: Job }>(server.url, `/api/jobs/${id}`).then((r) => r.job)));
      expect(all.filter((j) => j.state !== 'succeeded' && j.state !== 'failed')).toEqual([]);
      return all;
    },
    { timeout: 120_000, interval: 20 },
  );

  expect(jobs.map((j) => j.state)).toEqual(Array(40).fill('succeeded'));
  // Some were interrupted and re-run (LM Studio saw them twice), and our crash cost them no attempt.
  const sent = (id: string) => sim!.record.requests.filter((r) => r.clientRequestId === id).length;
  expect(ids.some((id) => sent(id) >= 2)).toBe(true);
  expect(jobs.every((j) => j.attempts === 1)).toBe(true);
  // From LM Studio's side: the requests for one job never overlapped in time.
  const byJob = new Map<string, { start: number; end: number }[]>();
  for (const r of sim.record.requests) {
    if (!r.clientRequestId) continue;
    const list = byJob.get(r.clientRequestId) ?? [];
    list.push({ start: r.arrivedAt, end: r.finishedAt ?? Infinity });
    byJob.set(r.clientRequestId, list);
  }
  for (const [id, intervals] of byJob) {
    intervals.sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i]!.start, `job ${id} ran twice at once`).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
    }
  }
  expect([...byJob.keys()].sort()).toEqual([...ids].sort());
}, 180_000);
