/**
 * A big batch (parent job) through the real LM Studio client against the simulator: other
 * people's chats keep starting within one batch request's service time, as LM Studio saw it.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../../tools/lmstudio-sim/simulator';
import { createEngine } from './engine';
import type { Engine, NewChild } from './engine-api';

let sim: Simulator | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  await sim?.close();
  engine = undefined;
  sim = undefined;
});

const body = (content: string) => ({ messages: [{ role: 'user', content }], max_tokens: 30 });

describe('a batch beside interactive work', () => {
  test("while a 150-request batch holds every slot, each chat from someone else starts within one batch request's service time", async () => {
    // 30 tokens at 40 tokens/s: ~0.75 s simulated per request, 75 ms real.
    sim = await startSimulator({ models: ['model-a'], parallel: 4, timeScale: 0.1, seed: 3, minOutputTokens: 30, maxOutputTokens: 30 });
    engine = await createEngine({ dataDir: null, backend: { url: sim.url }, retryBaseMs: 20, retryMaxMs: 200 });
    const e = engine;
    await vi.waitFor(() => expect(e.backend().status).toBe('up'), { timeout: 5_000 });

    const parent = e.createParent({ kind: 'batch', owner: 'batcher' });
    const lines: NewChild[] = Array.from({ length: 150 }, (_, i) => ({ kind: 'chat', model: 'model-a', input: body(`line ${i}`) }));
    for (let from = 0; from < lines.length; from += 50) e.addChildren(parent.id, from, lines.slice(from, from + 50));
    e.sealParent(parent.id);
    await vi.waitFor(() => expect(e.get(parent.id).children!.running).toBe(4), { timeout: 5_000 });

    const chats: string[] = [];
    // People chatting now and then (not a flood of their own, which fair share would weigh against them).
    for (let i = 0; i < 6; i++) {
      chats.push(e.submit({ kind: 'chat', model: 'model-a', input: body(`chat ${i}`) }, { owner: i % 2 ? 'alice' : 'bob' }).id);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const done = await Promise.all(chats.map((id) => e.waitForFinish(id)));
    expect(done.every((j) => j.state === 'succeeded')).toBe(true);
    // The batch was still running when the last chat finished: the chats did not just wait it out.
    expect(e.get(parent.id).children!.queued).toBeGreaterThan(0);

    const record = sim.record;
    const childIds = new Set(e.childPage(parent.id, -1, 1_000).map((c) => c.job.id));
    const childService = record.requests
      .filter((r) => r.clientRequestId !== null && childIds.has(r.clientRequestId) && r.finishedAt !== null && r.startedAt !== null)
      .map((r) => r.finishedAt! - r.startedAt!);
    const serviceMs = Math.max(...childService);
    const waits = done.map((j) => Date.parse(j.startedAt!) - Date.parse(j.createdAt));
    // The LM Studio round trip and a dispatch pass on top of the slot that frees (a shared CPU: some slack).
    expect(Math.max(...waits), JSON.stringify({ waits, serviceMs })).toBeLessThanOrEqual(serviceMs + 40);
    expect(record.maxConcurrency).toBeLessThanOrEqual(4);

    e.cancel(parent.id);
    await vi.waitFor(() => expect(e.get(parent.id).state).toBe('canceled'), { timeout: 5_000 });
    const after = sim.record.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.record.requests.length).toBe(after);
  }, 30_000);
});
