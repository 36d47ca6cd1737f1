import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from '../../../../tools/lmstudio-sim/simulator';
import type { BackendState } from '../../../shared/backend';
import type { Backend } from '../backend';
import { createLmStudioClient, type LmStudioClientOptions } from './client';
import { BackendError } from './errors';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(
  simInput: SimulatorInput = {},
  clientInput: Partial<LmStudioClientOptions> = {},
): Promise<{ sim: Simulator; client: Backend; events: BackendState[] }> {
  const sim = await startSimulator({ models: ['alpha', 'beta', 'text-embedding-mini'], timeScale: 0.02, seed: 9, ...simInput });
  const client = createLmStudioClient({
    baseUrl: `${sim.url}/`,
    timeouts: { firstTokenMs: 5_000, idleMs: 5_000, totalMs: 15_000, probeMs: 1_000 },
    refreshIntervalMs: 60_000,
    reconnect: { baseMs: 40, maxMs: 200 },
    ...clientInput,
  });
  const events: BackendState[] = [];
  client.subscribe((s) => events.push(s));
  cleanups.push(async () => {
    await client.close();
    await sim.close();
  });
  return { sim, client, events };
}

function waitForState(client: Backend, predicate: (s: BackendState) => boolean, timeoutMs = 5_000): Promise<BackendState> {
  if (predicate(client.state())) return Promise.resolve(client.state());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`state never matched; last: ${JSON.stringify(client.state())}`));
    }, timeoutMs);
    const unsubscribe = client.subscribe((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(s);
    });
  });
}

describe('model state', () => {
  it('reads /api/v1/models: the resident set, slots from its parallel setting, sizes, and every model', async () => {
    const { client } = await setup({ parallel: 6 });
    const state = await client.refresh();
    expect(state).toMatchObject({ url: expect.not.stringMatching(/\/$/), status: 'up', loadedModel: 'alpha', slots: 6, canLoadAlongside: true, lastError: null, retryAt: null });
    expect(state.resident).toMatchObject([{ model: 'alpha', parallel: 6, sizeBytes: 4e9 }]);
    expect(state.models).toEqual([
      { id: 'alpha', type: 'llm', loaded: true, parallel: 6, sizeBytes: 4e9 },
      { id: 'beta', type: 'llm', loaded: false, parallel: null, sizeBytes: 4e9 },
      { id: 'text-embedding-mini', type: 'embedding', loaded: false, parallel: null, sizeBytes: 1e8 },
    ]);
  });

  it('counts the slots of every resident instance (an LLM beside an embedding model)', async () => {
    const { client } = await setup({ parallel: 3, initialLoaded: ['alpha', 'text-embedding-mini'] });
    const state = await client.refresh();
    expect(state.resident.map((i) => i.model)).toEqual(['alpha', 'text-embedding-mini']);
    expect(state.loadedModel).toBe('alpha');
    expect(state.slots).toBe(6);
  });

  it('lets a configured limit override the reported slots', async () => {
    const { client } = await setup({ parallel: 6 }, { maxConcurrency: 2 });
    expect((await client.refresh()).slots).toBe(2);
  });

  it('falls back to /api/v0/models on an LM Studio without the v1 API, with the default 4 slots', async () => {
    const { client } = await setup({ apis: { v1: false }, parallel: 6 });
    const state = await client.refresh();
    expect(state).toMatchObject({ status: 'up', loadedModel: 'alpha', slots: 4 });
    expect(state.models.map((m) => [m.id, m.type, m.loaded])).toEqual([
      ['alpha', 'llm', true],
      ['beta', 'llm', false],
      ['text-embedding-mini', 'embedding', false],
    ]);
  });

  it('falls back to /v1/models when neither REST API answers', async () => {
    const { client } = await setup({ apis: { v1: false, v0: false } });
    const state = await client.refresh();
    expect(state).toMatchObject({ status: 'up', loadedModel: null, slots: 4 });
    expect(state.models.map((m) => m.id)).toEqual(['alpha', 'beta', 'text-embedding-mini']);
  });

  it('notifies subscribers only when something changed', async () => {
    const { client, events } = await setup();
    await client.refresh();
    await client.refresh();
    expect(events.filter((e) => e.status === 'up')).toHaveLength(1);
  });
});

describe('loading models', () => {
  it('loads through /api/v1/models/load beside what is loaded, unloading nothing, and refreshes', async () => {
    const { sim, client, events } = await setup({ loadSeconds: 3 });
    await client.refresh();
    await client.loadModel('beta', new AbortController().signal);
    expect(client.state().resident.map((i) => i.model)).toEqual(['alpha', 'beta']);
    expect(events.at(-1)?.resident.map((i) => i.model)).toEqual(['alpha', 'beta']);
    expect(sim.record.unloads).toEqual([]);
    expect(sim.record.loads.map((l) => l.model)).toEqual(['beta']);
    // Resident already: nothing to do, never a second instance.
    await client.loadModel('beta', new AbortController().signal);
    expect(sim.record.loads).toHaveLength(1);
    expect(sim.record.duplicateInstances).toEqual([]);
  });

  it('unloads every instance of a model when asked, and only then', async () => {
    const { sim, client } = await setup({ initialLoaded: ['alpha', 'text-embedding-mini'] });
    await client.refresh();
    await client.unloadModel('alpha', new AbortController().signal);
    expect(client.state().resident.map((i) => i.model)).toEqual(['text-embedding-mini']);
    expect(sim.record.unloads.map((u) => u.model)).toEqual(['alpha']);
  });

  it('never overlaps two loads, even when asked to at once', async () => {
    const { sim, client } = await setup({ loadSeconds: 3 });
    const signal = new AbortController().signal;
    await Promise.all([client.loadModel('beta', signal), client.loadModel('text-embedding-mini', signal), client.loadModel('alpha', signal)]);
    expect(sim.record.concurrentLoads).toEqual([]);
    // alpha was resident from the start.
    expect(sim.record.loads.map((l) => l.model)).toEqual(['beta', 'text-embedding-mini']);
    expect(client.state().resident.map((i) => i.model).sort()).toEqual(['alpha', 'beta', 'text-embedding-mini']);
  });

  it('loads just in time on an LM Studio without a load API', async () => {
    const { sim, client } = await setup({ apis: { v1: false } });
    await client.refresh();
    await client.loadModel('text-embedding-mini', new AbortController().signal);
    expect(client.state().loadedModel).toBe('text-embedding-mini');
    expect(sim.record.requests.map((r) => r.endpoint)).toEqual(['/v1/embeddings']);
    expect(sim.record.switches[0]).toMatchObject({ to: 'text-embedding-mini', reason: 'jit' });
  });

  it('falls back to loading on first use when the load endpoint answers 404', async () => {
    const passThrough: typeof fetch = (input, init) =>
      String(input).endsWith('/api/v1/models/load') ? Promise.resolve(new Response('Not Found', { status: 404 })) : fetch(input, init);
    const { sim, client } = await setup({}, { fetch: passThrough });
    await client.refresh();
    await client.loadModel('beta', new AbortController().signal);
    expect(client.state().resident.map((i) => i.model)).toContain('beta');
    expect(client.state().canLoadAlongside).toBe(false);
    expect(sim.record.requests.map((r) => r.endpoint)).toEqual(['/v1/completions']);
  });

  it('assumes the just-in-time model is loaded where LM Studio cannot say', async () => {
    const { client } = await setup({ apis: { v1: false, v0: false } });
    await client.refresh();
    await client.loadModel('beta', new AbortController().signal);
    expect(client.state().loadedModel).toBe('beta');
  });

  it('rejects an unknown model without asking LM Studio to load it', async () => {
    const { sim, client } = await setup();
    const error = await client.loadModel('nope', new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('model_not_found');
    expect(sim.record.loads).toEqual([]);
  });
});

describe('circuit breaker', () => {
  it('goes down with a retry time when LM Studio vanishes, probes with backoff, and comes back up by itself', async () => {
    const { sim, client, events } = await setup();
    await client.refresh();
    await sim.setDown(true);

    const error = await client.run({ jobId: 'j', kind: 'chat', model: 'alpha', body: { messages: [] } }, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreachable', retryable: true });
    const down = client.state();
    expect(down.status).toBe('down');
    expect(down.retryAt).not.toBeNull();
    expect(down.lastError).toContain(sim.url);

    // Let a few probes fail: the retry time keeps moving on.
    await waitForState(client, (s) => s.status === 'down' && s.retryAt !== down.retryAt);
    await sim.setDown(false);
    const up = await waitForState(client, (s) => s.status === 'up');
    expect(up).toMatchObject({ retryAt: null, lastError: null, loadedModel: 'alpha' });

    const statuses = events.map((e) => e.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['up', 'down', 'up']);
    const outcome = await client.run({ jobId: 'k', kind: 'chat', model: 'alpha', body: { messages: [], max_tokens: 2 } }, { signal: new AbortController().signal });
    expect(outcome.usage.completionTokens).toBe(2);
  });

  it('treats a connection dropped mid-stream as unreachable and opens the breaker', async () => {
    const { sim, client } = await setup({ tokensPerSecond: 10 });
    await client.refresh();
    const failed = client
      .run({ jobId: 'j', kind: 'chat', model: 'alpha', body: { messages: [], max_tokens: 200 } }, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await sim.setDown(true);
    expect(await failed).toMatchObject({ code: 'unreachable' });
    expect(client.state().status).toBe('down');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sim.record.requests[0]).toMatchObject({ aborted: true });
    await sim.setDown(false);
    await waitForState(client, (s) => s.status === 'up');
  });

  it('reports down when nothing listens at the URL from the start', async () => {
    const sim = await startSimulator({ timeScale: 0.02 });
    const url = sim.url;
    await sim.close();
    const client = createLmStudioClient({ baseUrl: url, timeouts: { firstTokenMs: 1_000, idleMs: 1_000, totalMs: 1_000 }, refreshIntervalMs: 60_000, reconnect: { baseMs: 1_000 } });
    cleanups.push(() => client.close());
    const state = await waitForState(client, (s) => s.status === 'down');
    expect(state.lastError).toMatch(/unreachable/);
  });
});
