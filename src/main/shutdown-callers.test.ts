/**
 * A synchronous or streaming request's job lives only as long as its caller can receive the
 * answer: at shutdown a queued one is canceled and its caller sent away with 503 + Retry-After.
 * The official OpenAI client retries that once LM Queue is back: one create(), one job run.
 * Jobs from the job API stay queued across the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import type { Job } from '../shared/job';
import { startHost, type Host, type HostSettings } from './host/host';
import type { RunningServer } from './server/server';
import { readSseUntil, SERVER_WAIT } from './testing/waiting';

const logger = pino({ level: 'silent' });
let sim: Simulator | undefined;
let dataDir: string | undefined;
const hosts: Host[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop(0);
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function settings(port: number): HostSettings {
  return {
    host: '127.0.0.1', port, backendUrl: sim!.url, backendToken: null, dataDir: dataDir!, requireAuth: false, maxConcurrency: 2,
    webRoot: null, adminToken: null, corsOrigins: [], modelMemoryBytes: null, pinnedModels: [], neo4j: null, durability: 'normal',
  };
}

async function start(port = 0): Promise<Host & { server: RunningServer }> {
  const host = await startHost(settings(port), { logger });
  hosts.push(host);
  return host;
}

async function stop(host: Host): Promise<void> {
  hosts.splice(hosts.indexOf(host), 1);
  expect(await host.stop(1_000)).toBe(true);
}

const allJobs = async (url: string) => ((await (await fetch(`${url}/api/jobs?limit=50`)).json()) as { jobs: Job[] }).jobs;

test("a synchronous /v1 caller waiting at shutdown: its job is canceled, the OpenAI client's retry after the restart is the one job that runs", async () => {
  sim = await startSimulator({ models: ['model-a'], timeScale: 0.01, seed: 2 });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-shutdown-'));
  const first = await start();
  first.engine.setPaused(true); // the job waits in the queue when SIGTERM comes
  const client = new OpenAI({ baseURL: `${first.server.url}/v1`, apiKey: 'unused' });
  const answer = client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'only once, please' }], max_tokens: 5 });
  await vi.waitFor(() => expect(first.engine.counts().queued).toBe(1), SERVER_WAIT);
  const asyncJob = first.engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'async' }] } }, { owner: 'local' });
  await stop(first);

  // The client was told 503 + Retry-After: 5; LM Queue is back on the same port before then.
  const second = await start(first.server.port);
  second.engine.setPaused(false);
  const completion = await answer;
  expect(completion.object).toBe('chat.completion');
  const jobs = await allJobs(second.server.url);
  const sync = jobs.filter((j) => j.id !== asyncJob.id);
  expect(sync.map((j) => j.state).sort()).toEqual(['canceled', 'succeeded']);
  expect(sync.find((j) => j.state === 'canceled')!.error?.message).toMatch(/shut down before this job ran/);
  const sentToLmStudio = sim.record.requests.filter((r) => sync.some((j) => j.id === r.clientRequestId));
  expect(sentToLmStudio.map((r) => r.clientRequestId)).toEqual([sync.find((j) => j.state === 'succeeded')!.id]);
  // The job API's job was kept and runs after the restart.
  expect((await second.engine.waitForFinish(asyncJob.id)).state).toBe('succeeded');
}, 30_000);

test('a streaming caller waiting at shutdown: the stream ends with shutting_down and its job is canceled', async () => {
  sim = await startSimulator({ models: ['model-a'], timeScale: 0.01, seed: 2 });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-shutdown-'));
  const host = await start();
  host.engine.setPaused(true);
  const response = await fetch(`${host.server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'model-a', stream: true, messages: [{ role: 'user', content: 'stream me' }] }),
  });
  const id = response.headers.get('x-lmq-job-id')!;
  await readSseUntil(response, (text) => text.includes(': queued'));
  const stopping = stop(host);
  const rest = await readSseUntil(response, () => false);
  await stopping;
  expect(rest).toContain('"code":"shutting_down"');
  const reopened = await start();
  expect(reopened.engine.get(id)).toMatchObject({ state: 'canceled' });
  expect(sim.record.requests).toHaveLength(0);
}, 30_000);

test('a synchronous caller whose job is still running when the grace period ends: the job is canceled, not requeued for nobody', async () => {
  sim = await startSimulator({ models: ['model-a'], tokensPerSecond: 5, seed: 3 });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-shutdown-'));
  const host = await start();
  const answer = fetch(`${host.server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'model-a', max_tokens: 200, messages: [{ role: 'user', content: 'a long answer' }] }),
  });
  await vi.waitFor(() => expect(host.engine.counts().running).toBe(1), SERVER_WAIT);
  hosts.splice(hosts.indexOf(host), 1);
  expect(await host.stop(200)).toBe(true);
  const response = await answer;
  expect(response.status).toBe(503);
  const id = response.headers.get('x-lmq-job-id')!;
  const reopened = await start();
  expect(reopened.engine.get(id)).toMatchObject({ state: 'canceled' });
}, 30_000);
