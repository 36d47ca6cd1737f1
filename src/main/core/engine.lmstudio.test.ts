/**
 * The engine with the real LM Studio client in front of the simulator: what LM Studio sees,
 * checked from the simulator's own record.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../../tools/lmstudio-sim/simulator';
import type { BackendState } from '../../shared/backend';
import type { Job } from '../../shared/job';
import { createEngine } from './engine';
import type { Engine } from './engine-api';
import type { EngineConfig } from './config';

let sim: Simulator | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  await sim?.close();
  engine = undefined;
  sim = undefined;
});

async function start(simOptions: Parameters<typeof startSimulator>[0], config: Partial<EngineConfig> = {}) {
  sim = await startSimulator({ models: ['model-a', 'model-b'], parallel: 4, timeScale: 0.01, seed: 7, ...simOptions });
  engine = await createEngine({ dataDir: null, backend: { url: sim.url }, retryBaseMs: 20, retryMaxMs: 200, ...config });
  await vi.waitFor(() => expect(engine!.backend().status).toBe('up'), { timeout: 5_000 });
  return { sim, engine };
}

const chat = (model: string, content = 'hello there', extra: Record<string, unknown> = {}) => ({
  kind: 'chat' as const,
  model,
  input: { messages: [{ role: 'user', content }], max_tokens: 40, ...extra },
});

const finished = (e: Engine, ids: string[]) => Promise.all(ids.map((id) => e.waitForFinish(id)));

describe('engine + LM Studio client + simulator', () => {
  test('streams chunks to a live listener and stores the assembled answer', async () => {
    const { engine } = await start({});
    const chunks: string[] = [];
    const job = engine.submit(chat('model-a'), { owner: 'alice', sink: { onChunk: (d) => chunks.push(d) } });
    const done = await engine.waitForFinish(job.id);
    expect(done.state).toBe('succeeded');
    expect(chunks.length).toBeGreaterThan(1);
    const text = chunks
      .map((c) => JSON.parse(c) as { choices: { delta?: { content?: string } }[] })
      .map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    const result = engine.result(job.id) as { object: string; choices: { message: { content: string } }[] };
    expect(result.object).toBe('chat.completion');
    expect(result.choices[0]!.message.content).toBe(text);
    expect(done.usage!.completionTokens).toBeGreaterThan(0);
  });

  test('canceling a running job aborts the LM Studio request', async () => {
    const { sim, engine } = await start({ tokensPerSecond: 2 });
    const job = engine.submit(chat('model-a', 'long', { max_tokens: 200 }), { owner: 'alice' });
    await vi.waitFor(() => expect(engine.get(job.id).progress.stage).toBe('generating'), { timeout: 10_000 });
    engine.cancel(job.id);
    await vi.waitFor(() => expect(sim.record.requests.find((r) => r.clientRequestId === job.id)?.aborted).toBe(true));
    expect(engine.get(job.id).state).toBe('canceled');
  });

  test('retryable failures (500, error in a 200, model loading) retry; a context overflow fails at once', async () => {
    const { sim, engine } = await start({ contextLength: 64 });
    sim.inject({ fail500: 1, errorIn200: 1, modelLoading: 1 });
    const retried = engine.submit(chat('model-a'), { owner: 'a' });
    const done = await engine.waitForFinish(retried.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBeGreaterThan(1);
    const tooLong = engine.submit(chat('model-a', 'word '.repeat(400)), { owner: 'a' });
    const failed = await engine.waitForFinish(tooLong.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'context_length' });
    expect(failed.attempts).toBe(1);
  });

  test('LM Studio down for a while: jobs stay queued, the state is reported, and all succeed when it is back', async () => {
    const { sim, engine } = await start({});
    const states: BackendState['status'][] = [];
    engine.on('backend.changed', (s) => states.push(s.status));
    await sim.setDown(true);
    const ids = Array.from({ length: 6 }, (_, i) => engine.submit(chat('model-a', `q${i}`), { owner: 'a' }).id);
    await vi.waitFor(() => expect(engine.backend().status).toBe('down'), { timeout: 10_000 });
    expect(ids.map((id) => engine.get(id).state).every((s) => s === 'queued' || s === 'running')).toBe(true);
    await sim.setDown(false);
    const jobs: Job[] = await finished(engine, ids);
    expect(jobs.map((j) => j.state)).toEqual(Array(6).fill('succeeded'));
    expect(states).toContain('down');
    expect(states.at(-1)).toBe('up');
  });

  test('mixed models: far fewer switches than FIFO, none under in-flight work, no concurrent loads, limit kept', async () => {
    const { sim, engine } = await start({ loadSeconds: 3 }, { switchBoundSeconds: 0.5 });
    // A seeded shuffle of two models, all submitted at once.
    let seed = 42;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const models = Array.from({ length: 60 }, () => (next() < 0.5 ? 'model-a' : 'model-b'));
    const fifoSwitches = models.filter((m, i) => i > 0 && m !== models[i - 1]).length;
    const submittedAt = Date.now();
    const ids = models.map((m, i) => engine.submit(chat(m, `question ${i}`), { owner: `o${i % 3}` }).id);
    const jobs = await finished(engine, ids);
    expect(jobs.every((j) => j.state === 'succeeded')).toBe(true);
    const record = sim.record;
    const switches = record.switches.filter((s) => s.to !== null);
    expect(switches.length * 5).toBeLessThanOrEqual(fifoSwitches);
    expect(switches.every((s) => s.inFlightOfPrevious === 0)).toBe(true);
    expect(record.concurrentLoads).toEqual([]);
    expect(record.requests.some((r) => r.evicted)).toBe(false);
    expect(record.maxConcurrency).toBeLessThanOrEqual(4);
    // Work for the other model waits at most the affinity bound, plus a drain and a load.
    const longestWait = Math.max(...jobs.map((j) => Date.parse(j.startedAt!) - submittedAt));
    const loadMs = 3_000 * 0.01;
    const longestRequest = Math.max(...record.requests.map((r) => (r.finishedAt ?? 0) - (r.startedAt ?? 0)));
    expect(longestWait).toBeLessThanOrEqual(500 + longestRequest + 2 * loadMs + 250);
  });
});

describe('streaming failures', () => {
  test('a stream cut after output reached the client fails instead of retrying (no duplicated text)', async () => {
    // A short idle timeout cuts the stalled stream quickly.
    const { sim, engine } = await start({}, { timeouts: { idleMs: 300 } });
    sim.inject({ stall: { count: 1, afterTokens: 3 } });
    const chunks: string[] = [];
    const streamed = engine.submit(chat('model-a'), { owner: 'a', sink: { onChunk: (d) => chunks.push(d) } });
    const failed = await engine.waitForFinish(streamed.id);
    expect(chunks.length).toBeGreaterThan(0);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'timeout', retryable: false } });
    // The same failure without a live listener is retried and succeeds.
    sim.inject({ stall: { count: 1, afterTokens: 3 } });
    const queued = engine.submit(chat('model-a'), { owner: 'a' });
    const done = await engine.waitForFinish(queued.id);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2 });
  });
});
