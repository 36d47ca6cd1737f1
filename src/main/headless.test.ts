import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/lmstudio-sim/simulator';
import { createEngine } from './core/engine';

const ENTRY = fileURLToPath(new URL('./headless.ts', import.meta.url));
/** By file URL, so the server can run from a folder without node_modules. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ADMIN_SECRET = 'headless-test-admin-secret';

function spawnHeadless(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = process.cwd(),
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, ...args], {
    cwd,
    env: { ...process.env, LMQ_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const STARTUP = { timeout: 15_000, interval: 20 };

/** The first capture group of `pattern` once the output shows it. */
function waitForOutput(output: () => string, pattern: RegExp): Promise<string> {
  return vi.waitFor(() => {
    const match = pattern.exec(output());
    if (!match) throw new Error(`no ${pattern} in the output yet:\n${output()}`);
    return match[1] ?? match[0];
  }, STARTUP);
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

  it('says in its log, readable with --log-format pretty, that it serves no web UI when none is built', async () => {
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-headless-cwd-'));
    try {
      const run = spawnHeadless(['--port', '0', '--backend', sim.url, '--data-dir', path.join(emptyDir, 'data'), '--log-format', 'pretty'], {}, emptyDir);
      await waitForOutput(run.output, /WARN: serving no web UI at \/: dist-web\/index\.html is missing; build it with `npm run build:web`/);
      expect(run.output()).not.toContain('"level"');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('serves, and on SIGTERM lets the running job finish, keeps the queued job API job, cancels the one whose caller it sends away, exits 0', async () => {
    const run = spawnHeadless(['--port', '0', '--backend', sim.url, '--data-dir', dataDir, '--grace-ms', '5000'], {
      LMQ_ADMIN_TOKEN: ADMIN_SECRET,
    });
    const url = await waitForOutput(run.output, /LM Queue listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(run.output()).not.toContain(ADMIN_SECRET);

    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    expect(await me.json()).toEqual({ owner: 'admin', role: 'admin', maxPriority: 9 });

    const running = await chat(url);
    const queued = await chat(url);
    const queuedId = queued.headers.get('x-lmq-job-id')!;
    const kept = await fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'chat', model: 'sim-model-a', input: { messages: [{ role: 'user', content: 'later' }] } }),
    });
    expect(kept.status).toBe(202);
    const keptId = ((await kept.json()) as { job: { id: string } }).job.id;
    const runningText = running.text();
    await vi.waitFor(() => expect(sim.record.requests.map((r) => r.clientRequestId)).toContain(running.headers.get('x-lmq-job-id')), STARTUP);

    run.child.kill('SIGTERM');
    expect(await runningText).toContain('data: [DONE]');
    expect(await queued.text()).toContain('shutting_down');
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain(ADMIN_SECRET);

    // The job API's job survived the restart; the stream's job went with its caller (the
    // client's retry is the one copy that runs).
    const engine = await createEngine({ dataDir, backend: { url: sim.url } });
    try {
      expect(['queued', 'running', 'succeeded']).toContain(engine.get(keptId).state);
      expect(engine.get(queuedId).state).toBe('canceled');
    } finally {
      await engine.close({ graceMs: 0 });
    }
  });
});
