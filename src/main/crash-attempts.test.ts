/**
 * Crashes of LM Queue itself are not the job's fault: three kill -9s of the real server while one
 * long job runs, and the job (one attempt allowed) still succeeds once the server stays up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import type { Job } from '../shared/job';
import { callJson, killHard, startHeadless, type HeadlessProcess } from './testing/headless-process';

let server: HeadlessProcess | undefined;
let sim: Simulator | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  server?.child.kill('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('three kill -9s while a job runs leave it its one attempt: it succeeds after the restarts', async () => {
  // ~4 s per run at 50 tokens/s: long enough to be killed mid-answer.
  sim = await startSimulator({ models: ['model-a'], parallel: 1, tokensPerSecond: 50, seed: 5 });
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-crash-attempts-'));
  server = await startHeadless({ backendUrl: sim.url, dataDir });
  const { job } = await callJson<{ job: Job }>(server.url, '/api/jobs', {
    body: { kind: 'chat', model: 'model-a', maxAttempts: 1, input: { messages: [{ role: 'user', content: 'a long answer' }], max_tokens: 200 } },
  });
  for (let crash = 1; crash <= 3; crash++) {
    const running = server;
    await vi.waitFor(async () => expect((await callJson<{ job: Job }>(running.url, `/api/jobs/${job.id}`)).job.state).toBe('running'), { timeout: 30_000, interval: 20 });
    await vi.waitFor(() => expect(sim!.record.requests.filter((r) => r.clientRequestId === job.id)).toHaveLength(crash), { timeout: 30_000, interval: 20 });
    await killHard(running);
    server = await startHeadless({ backendUrl: sim.url, dataDir });
  }
  const up = server;
  const done = await vi.waitFor(
    async () => {
      const current = (await callJson<{ job: Job }>(up.url, `/api/jobs/${job.id}`)).job;
      expect(['succeeded', 'failed']).toContain(current.state);
      return current;
    },
    { timeout: 60_000, interval: 50 },
  );
  expect(done).toMatchObject({ state: 'succeeded', attempts: 1 });
  expect(sim.record.requests.filter((r) => r.clientRequestId === job.id)).toHaveLength(4);
}, 120_000);
