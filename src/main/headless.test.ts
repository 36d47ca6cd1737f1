import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import { createEngine } from './core/engine';

const ENTRY = fileURLToPath(new URL('./headless.ts', import.meta.url));
const ADMIN_SECRET = 'headless-test-admin-secret';

function spawnHeadless(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, LMQ_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function chat(url: string) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-model-a', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
}

describe('npm run serve (headless)', () => {
  let sim: Simulator;
  let dataDir: string;
  beforeAll(async () => {
    // One slot and ~0.5 s per answer: one job runs while the next waits.
    sim = await startSimulator({ port: 0, parallel: 1, timeScale: 0.25, minOutputTokens: 80, maxOutputTokens: 80, loadSeconds: 0 });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-headless-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 2 with a clear message on bad flags', async () => {
    const run = spawnHeadless(['--port', 'nope']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('--port must be an integer');
    expect(run.output()).toContain('Usage: npm run serve');
  });

  it('serves, and on SIGTERM lets the running job finish, keeps the queued one, exits 0', async () => {
    const run = spawnHeadless(['--port', '0', '--backend', sim.url, '--data-dir', dataDir, '--grace-ms', '5000'], {
      LMQ_ADMIN_TOKEN: ADMIN_SECRET,
    });
    const url = await waitFor(() => /LM Queue listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1]);
    expect(run.output()).not.toContain(ADMIN_SECRET);

    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    expect(await me.json()).toEqual({ owner: 'admin', role: 'admin', maxPriority: 9 });

    const running = await chat(url);
    const queued = await chat(url);
    const queuedId = queued.headers.get('x-lmq-job-id')!;
    const runningText = running.text();
    await waitFor(() => sim.record.requests.find((r) => r.clientRequestId === running.headers.get('x-lmq-job-id')) ?? undefined);

    run.child.kill('SIGTERM');
    expect(await runningText).toContain('data: [DONE]');
    expect(await queued.text()).toContain('shutting_down');
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain(ADMIN_SECRET);

    // The queued job survived the restart.
    const engine = await createEngine({ dataDir, backend: { url: sim.url } });
    try {
      expect(['queued', 'running', 'succeeded']).toContain(engine.get(queuedId).state);
    } finally {
      await engine.close({ graceMs: 0 });
    }
  });
});
