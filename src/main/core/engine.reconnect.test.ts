/**
 * LM Studio going away and coming back (the simulator stops listening, then listens again):
 * while jobs wait, the client probes about every second rather than on a backoff grown to
 * many seconds, so the first job is sent soon after LM Studio is back.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../../tools/lmstudio-sim/simulator';
import { createEngine } from './engine';
import type { Engine } from './engine-api';

let sim: Simulator | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  await sim?.close();
});

test('after an 8 s outage with a job waiting, the job is sent within 2 s of LM Studio coming back', async () => {
  sim = await startSimulator({ models: ['model-a'], parallel: 2, timeScale: 0.01, seed: 11 });
  engine = await createEngine({ dataDir: null, backend: { url: sim.url } });
  await vi.waitFor(() => expect(engine!.backend().status).toBe('up'), { timeout: 5_000 });
  await sim.setDown(true);
  const job = engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } }, { owner: 'alice' });
  await vi.waitFor(() => expect(engine!.backend().status).toBe('down'), { timeout: 15_000, interval: 20 });
  // Long enough for the old schedule (0.5 s doubling, with jitter) to reach a 4-8 s step.
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  expect(engine.get(job.id).state).toBe('queued');
  await sim.setDown(false);
  const back = Date.now();
  await vi.waitFor(() => expect(sim!.record.requests.some((r) => r.clientRequestId === job.id)).toBe(true), { timeout: 20_000, interval: 10 });
  expect(Date.now() - back).toBeLessThan(2_000);
  await engine.waitForFinish(job.id);
}, 40_000);
