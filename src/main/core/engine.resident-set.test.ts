/**
 * The resident set against the simulator (LM Studio's loading, memory and auto-evict behaviour):
 * what LM Queue loads, unloads and cuts off, read from the simulator's own record.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from '../../../tools/lmstudio-sim/simulator';
import type { EngineConfig } from './config';
import { createEngine } from './engine';
import type { Engine } from './engine-api';

let sim: Simulator | null = null;
let engine: Engine | null = null;

afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  await sim?.close();
  engine = null;
  sim = null;
});

async function start(simOptions: SimulatorInput, config: Partial<EngineConfig> = {}) {
  sim = await startSimulator({ parallel: 4, timeScale: 0.01, loadSeconds: 3, seed: 11, ...simOptions });
  engine = await createEngine({ dataDir: null, backend: { url: sim.url }, retryBaseMs: 20, retryMaxMs: 200, ...config });
  await vi.waitFor(() => expect(engine!.backend().status).toBe('up'), { timeout: 5_000 });
  return { sim, engine };
}

const chat = (model: string, content: string, maxTokens = 40) => ({
  kind: 'chat' as const,
  model,
  input: { messages: [{ role: 'user', content }], max_tokens: maxTokens },
});
const embedding = (model: string, input: string) => ({ kind: 'embedding' as const, model, input: { input } });

/** Intervals [start, end] of each served request of a model, from the simulator's record. */
function servedIntervals(s: Simulator, model: string): [number, number][] {
  return s.record.requests.filter((r) => r.model === model && r.startedAt !== null && r.finishedAt !== null).map((r) => [r.startedAt!, r.finishedAt!]);
}

describe('resident set', () => {
  test('the RAG pattern (embed, then chat) with both models loaded causes no load, unload or cut-off', async () => {
    const { sim, engine } = await start({ models: ['llm-a', 'text-embedding-x'], initialLoaded: ['llm-a', 'text-embedding-x'] });
    const query = async (owner: string, i: number): Promise<void> => {
      const embedded = await engine.waitForFinish(engine.submit(embedding('text-embedding-x', `question ${i}`), { owner }).id);
      expect(embedded.state).toBe('succeeded');
      const answered = await engine.waitForFinish(engine.submit(chat('llm-a', `answer ${i} from the context`), { owner }).id);
      expect(answered.state).toBe('succeeded');
    };
    await Promise.all(['ana', 'ben'].map(async (owner) => {
      for (let i = 0; i < 3; i++) await query(owner, i);
    }));
    expect(sim.record.requests.filter((r) => r.endpoint === '/v1/embeddings')).toHaveLength(6);
    expect(sim.record.loads).toEqual([]);
    expect(sim.record.unloads).toEqual([]);
    expect(sim.record.cutOff).toEqual([]);
  });

  test('two resident LLMs serve requests at the same time', async () => {
    const { sim, engine } = await start({ models: ['llm-a', 'llm-b'], initialLoaded: ['llm-a', 'llm-b'], tokensPerSecond: 20 });
    const ids = ['llm-a', 'llm-b', 'llm-a', 'llm-b'].map((m, i) => engine.submit(chat(m, `q${i}`, 60), { owner: `o${i}` }).id);
    const jobs = await Promise.all(ids.map((id) => engine.waitForFinish(id)));
    expect(jobs.every((j) => j.state === 'succeeded')).toBe(true);
    const a = servedIntervals(sim, 'llm-a');
    const b = servedIntervals(sim, 'llm-b');
    const overlap = a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));
    expect(overlap).toBe(true);
    expect(sim.record.loads).toEqual([]);
    expect(sim.record.unloads).toEqual([]);
  });

  test('a third model makes room safely: the idle LLM goes after its requests, the pinned embedding model stays', async () => {
    const { sim, engine } = await start(
      // Slow generation: llm-a's requests are still running when llm-b's work arrives.
      { models: ['llm-a', 'llm-b', 'text-embedding-x'], initialLoaded: ['llm-a', 'text-embedding-x'], memoryBytes: 4.1e9, tokensPerSecond: 4 },
      { pinnedModels: ['text-embedding-x'], switchBoundSeconds: 0.2 },
    );
    // llm-a is busy when work for llm-b arrives; llm-b does not fit beside it.
    const first = ['a1', 'a2'].map((c) => engine.submit(chat('llm-a', c, 80), { owner: 'ana' }).id);
    await vi.waitFor(() => expect(engine.get(first[0]!).state).toBe('running'));
    const other = engine.submit(chat('llm-b', 'b1'), { owner: 'ben' }).id;
    const embed = engine.submit(embedding('text-embedding-x', 'meanwhile'), { owner: 'ben' }).id;
    const jobs = await Promise.all([...first, other, embed].map((id) => engine.waitForFinish(id)));
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(sim.record.unloads.map((u) => u.model)).toEqual(['llm-a']);
    expect(sim.record.loads.map((l) => l.model)).toEqual(['llm-b']);
    expect(sim.record.cutOff).toEqual([]);
    expect(sim.record.concurrentLoads).toEqual([]);
    expect(sim.record.refusedLoads).toEqual([]);
    expect(sim.record.duplicateInstances).toEqual([]);
    expect(sim.record.maxMemoryBytes).toBeLessThanOrEqual(4.1e9);
    // llm-a's requests were done before it was unloaded.
    const unloadedAt = sim.record.unloads[0]!.at;
    expect(Math.max(...servedIntervals(sim, 'llm-a').map(([, end]) => end))).toBeLessThanOrEqual(unloadedAt);
    // The embedding model was never touched and served its request with no load.
    expect(engine.backend().resident.map((i) => i.model).sort()).toEqual(['llm-b', 'text-embedding-x']);
  });

  test('room for interactive work: a batch request just started on the model to unload goes back to the queue instead of being waited for', async () => {
    const { sim, engine } = await start(
      // Room for one LLM; slow generation, so the batch answer would take ~100 simulated seconds.
      { models: ['llm-a', 'llm-b'], initialLoaded: ['llm-a'], memoryBytes: 4.1e9, tokensPerSecond: 4, minOutputTokens: 400, maxOutputTokens: 400 },
      { switchBoundSeconds: 0.2 },
    );
    const batch = engine.submit({ ...chat('llm-a', 'summarize', 400), lane: 'batch' }, { owner: 'ana' }).id;
    await vi.waitFor(() => expect(sim.record.requests.some((r) => r.clientRequestId === batch && r.startedAt !== null)).toBe(true));
    const asked = engine.submit(chat('llm-b', 'quick question', 8), { owner: 'ben' }).id;
    const answered = await engine.waitForFinish(asked);
    expect(answered.state).toBe('succeeded');
    // The batch request was aborted by us (not cut off by an unload), early in its answer.
    const first = sim.record.requests.find((r) => r.clientRequestId === batch)!;
    expect(first.aborted).toBe(true);
    expect(first.completionTokens).toBeLessThanOrEqual(200);
    expect(sim.record.cutOff).toEqual([]);
    expect(Date.parse(answered.startedAt!)).toBeLessThan(first.startedAt! + 400 / 4 * 1000 * 0.01);
    // It runs again later, its attempt given back.
    const done = await engine.waitForFinish(batch);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(1);
    expect(sim.record.requests.filter((r) => r.clientRequestId === batch)).toHaveLength(2);
  });

  test('room for batch work waits for the requests in flight: nothing is preempted', async () => {
    const { sim, engine } = await start(
      { models: ['llm-a', 'llm-b'], initialLoaded: ['llm-a'], memoryBytes: 4.1e9, tokensPerSecond: 40, minOutputTokens: 40, maxOutputTokens: 40 },
      { switchBoundSeconds: 0.05 },
    );
    const first = engine.submit({ ...chat('llm-a', 'one', 40), lane: 'batch' }, { owner: 'ana' }).id;
    await vi.waitFor(() => expect(sim.record.requests.some((r) => r.clientRequestId === first && r.startedAt !== null)).toBe(true));
    const second = engine.submit({ ...chat('llm-b', 'two', 8), lane: 'batch' }, { owner: 'ben' }).id;
    const jobs = await Promise.all([first, second].map((id) => engine.waitForFinish(id)));
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    expect(sim.record.requests.filter((r) => r.aborted)).toEqual([]);
  });

  test('models loaded or unloaded in LM Studio by hand are adopted, not fought', async () => {
    const { sim, engine } = await start({ models: ['llm-a', 'llm-b'], initialLoaded: ['llm-a'], memoryBytes: 8e9 });
    // Someone loads llm-b in LM Studio's UI.
    await fetch(`${sim.url}/api/v1/models/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llm-b' }) });
    const done = await engine.waitForFinish(engine.submit(chat('llm-b', 'hi'), { owner: 'ana' }).id);
    expect(done.state).toBe('succeeded');
    // One load (the person's), none by LM Queue, nothing unloaded.
    expect(sim.record.loads.map((l) => l.model)).toEqual(['llm-b']);
    expect(sim.record.unloads).toEqual([]);
  });
});
