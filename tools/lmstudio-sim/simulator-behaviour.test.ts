import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from './simulator';

const running: Simulator[] = [];

async function sim(input: SimulatorInput = {}): Promise<Simulator> {
  const s = await startSimulator({ models: ['alpha', 'beta', 'gamma'], timeScale: 0.02, seed: 3, ...input });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function chat(s: Simulator, model: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'tell me about queues' }], ...extra }),
    signal,
  });
}

async function chatText(s: Simulator, model: string, extra: Record<string, unknown> = {}): Promise<{ status: number; text: string }> {
  const res = await chat(s, model, extra);
  return { status: res.status, text: await res.text() };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('model switching', () => {
  it('charges the load time on a just-in-time switch and records it', async () => {
    const s = await sim({ loadSeconds: 5 }); // 100 ms real
    const started = Date.now();
    await chatText(s, 'beta', { max_tokens: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    const { switches, loads } = s.record;
    expect(switches).toEqual([expect.objectContaining({ from: 'alpha', to: 'beta', reason: 'jit', inFlightOfPrevious: 0 })]);
    expect(loads[0]?.finishedAt).not.toBeNull();
  });

  it('records a switch made while the previous model was still generating, and evicts that request', async () => {
    const s = await sim({ loadSeconds: 1, tokensPerSecond: 20 });
    const first = chatText(s, 'alpha', { max_tokens: 200, stream: true });
    await sleep(60);
    const second = await chatText(s, 'beta', { max_tokens: 2 });
    expect(second.status).toBe(200);
    const firstDone = await first;
    expect(firstDone.text).toContain('was unloaded while this request was generating');
    const { switches, requests } = s.record;
    expect(switches[0]).toMatchObject({ from: 'alpha', to: 'beta', inFlightOfPrevious: 1 });
    expect(requests[0]).toMatchObject({ model: 'alpha', evicted: true });
  });

  it('detects a load requested while another load is in progress', async () => {
    const s = await sim({ loadSeconds: 2 });
    await Promise.all([chatText(s, 'beta', { max_tokens: 1 }), sleep(5).then(() => chatText(s, 'gamma', { max_tokens: 1 }))]);
    expect(s.record.concurrentLoads).toEqual([expect.objectContaining({ loading: 'beta', requested: 'gamma' })]);
  });
});

/** Most of the given requests holding a slot at the same moment. */
function mostAtOnce(requests: Array<{ startedAt: number | null; finishedAt: number | null }>): number {
  const edges = requests.flatMap((r) => [
    { at: r.startedAt!, delta: 1 },
    { at: r.finishedAt!, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.delta));
  return most;
}

function postJson(s: Simulator, path: string, body: unknown): Promise<Response> {
  return fetch(`${s.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
}

describe('resident set', () => {
  it('serves two loaded models at the same time, sharing the GPU, with no load', async () => {
    // Long enough (about 150 ms real alone) that the four overlap even on a busy machine.
    const s = await sim({ initialLoaded: ['alpha', 'beta'], timeScale: 0.05, minOutputTokens: 120, maxOutputTokens: 120 });
    await chatText(s, 'alpha');
    const alone = s.record.requests[0]!;
    s.resetRecord();
    const bodies = ['alpha', 'beta', 'alpha', 'beta'].map((model, i) => chatText(s, model, { messages: [{ role: 'user', content: `q${i}` }] }));
    expect((await Promise.all(bodies)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const { requests, loads, unloads, switches } = s.record;
    expect([loads, unloads, switches]).toEqual([[], [], []]);
    expect(mostAtOnce(requests)).toBe(4);
    const generationMs = (r: typeof alone): number => r.finishedAt! - r.firstTokenAt!;
    // Four requests across two models share one GPU: each runs at 4^-0.3 ≈ 0.66 of its solo speed.
    const mean = requests.reduce((sum, r) => sum + generationMs(r), 0) / requests.length;
    expect(mean).toBeGreaterThan(generationMs(alone) * 1.25);
  });

  it('gives each instance its own slots', async () => {
    const s = await sim({
      models: [{ id: 'alpha', parallel: 1 }, { id: 'beta', parallel: 3 }],
      initialLoaded: ['alpha', 'beta'],
      minOutputTokens: 20,
      maxOutputTokens: 20,
    });
    await Promise.all(['alpha', 'alpha', 'alpha', 'beta', 'beta', 'beta'].map((m, i) => chatText(s, m, { messages: [{ role: 'user', content: `q${i}` }] })));
    const { requests, maxActive } = s.record;
    expect(mostAtOnce(requests.filter((r) => r.model === 'alpha'))).toBe(1);
    expect(mostAtOnce(requests.filter((r) => r.model === 'beta'))).toBe(3);
    expect(maxActive).toBe(4);
  });

  it('cuts off in-flight requests when their instance is unloaded through the API, and records them', async () => {
    const s = await sim({ initialLoaded: ['alpha', 'beta'], tokensPerSecond: 10 });
    const generating = fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-request-id': 'job-1' },
      body: JSON.stringify({ model: 'alpha', messages: [{ role: 'user', content: 'long one' }], max_tokens: 200, stream: true }),
    }).then((r) => r.text());
    await vi.waitFor(() => expect(s.record.requests[0]?.firstTokenAt).not.toBeNull());
    expect((await postJson(s, '/api/v1/models/unload', { instance_id: 'alpha' })).status).toBe(200);
    expect(await generating).toContain('was unloaded while this request was generating (it was unloaded through the API)');
    const { requests, cutOff, unloads } = s.record;
    expect(requests[0]).toMatchObject({ clientRequestId: 'job-1', evicted: true, cutOffReason: 'unload' });
    expect(cutOff).toEqual([expect.objectContaining({ clientRequestId: 'job-1', model: 'alpha', instanceId: 'alpha', reason: 'unload' })]);
    expect(unloads).toEqual([expect.objectContaining({ model: 'alpha', reason: 'rest', inFlight: 1, cutOffRequestIds: ['job-1'] })]);
    expect(s.loadedInstances.map((i) => i.model)).toEqual(['beta']);
  });

  it('JIT auto-evict keeps one JIT-loaded model, and models loaded through the API stay', async () => {
    const s = await sim({ initialModel: null, loadSeconds: 1 });
    await postJson(s, '/api/v1/models/load', { model: 'alpha' });
    await chatText(s, 'beta', { max_tokens: 2 });
    await chatText(s, 'gamma', { max_tokens: 2 });
    expect(s.loadedInstances.map((i) => [i.model, i.loadedBy])).toEqual([
      ['alpha', 'rest'],
      ['gamma', 'jit'],
    ]);
    const { loads, unloads } = s.record;
    expect(loads.map((l) => [l.model, l.reason])).toEqual([
      ['alpha', 'rest'],
      ['beta', 'jit'],
      ['gamma', 'jit'],
    ]);
    expect(unloads.map((u) => [u.model, u.reason, u.inFlight])).toEqual([['beta', 'jit-evict', 0]]);
  });

  it('a JIT load that does not fit evicts the least recently used idle model first', async () => {
    const s = await sim({ memoryBytes: 8.5e9, initialLoaded: ['alpha', 'beta'], jitAutoEvict: false, loadSeconds: 1 });
    await chatText(s, 'beta', { max_tokens: 2 });
    await chatText(s, 'alpha', { max_tokens: 2 });
    await chatText(s, 'gamma', { max_tokens: 2 });
    expect(s.loadedInstances.map((i) => i.model)).toEqual(['alpha', 'gamma']);
    expect(s.record.unloads.map((u) => [u.model, u.reason])).toEqual([['beta', 'memory-evict']]);
    expect(s.record.maxMemoryBytes).toBe(8e9);
  });

  it('an eviction for memory cuts off a busy model and records the requests it cut off', async () => {
    const s = await sim({ memoryBytes: 4.5e9, initialLoaded: ['alpha'], tokensPerSecond: 10, loadSeconds: 1 });
    const generating = fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-request-id': 'job-7' },
      body: JSON.stringify({ model: 'alpha', messages: [{ role: 'user', content: 'long one' }], max_tokens: 200, stream: true }),
    }).then((r) => r.text());
    await vi.waitFor(() => expect(s.record.requests[0]?.firstTokenAt).not.toBeNull());
    expect((await chatText(s, 'beta', { max_tokens: 2 })).status).toBe(200);
    expect(await generating).toContain('another model needed the memory');
    const { cutOff, unloads, switches } = s.record;
    expect(cutOff).toEqual([expect.objectContaining({ clientRequestId: 'job-7', reason: 'memory-evict' })]);
    expect(unloads).toEqual([expect.objectContaining({ model: 'alpha', reason: 'memory-evict', inFlight: 1, cutOffRequestIds: ['job-7'] })]);
    expect(switches).toEqual([expect.objectContaining({ from: 'alpha', to: 'beta', reason: 'jit', inFlightOfPrevious: 1 })]);
  });

  it('fails a JIT request for a model larger than the whole budget, evicting nothing', async () => {
    const s = await sim({ models: ['alpha', { id: 'huge', sizeBytes: 9e9 }], memoryBytes: 8e9 });
    const answer = await chatText(s, 'huge', { max_tokens: 2 });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('insufficient memory');
    expect(s.loadedInstances.map((i) => i.model)).toEqual(['alpha']);
    expect(s.record.refusedLoads).toEqual([expect.objectContaining({ model: 'huge', reason: 'jit' })]);
  });
});

describe('parallel slots', () => {
  it('slows each request as slots fill while total throughput rises, and queues beyond the slots', async () => {
    const s = await sim({ parallel: 4, tokensPerSecond: 40, timeScale: 0.05, minOutputTokens: 60, maxOutputTokens: 60 });
    await chatText(s, 'alpha');
    const alone = s.record.requests[0]!;
    s.resetRecord();
    await Promise.all(Array.from({ length: 6 }, (_, i) => chatText(s, 'alpha', { messages: [{ role: 'user', content: `q${i}` }] })));
    const { requests, maxConcurrency, maxActive, concurrency } = s.record;
    expect(maxActive).toBe(4);
    expect(maxConcurrency).toBe(6);
    expect(Math.max(...concurrency.map((c) => c.waiting))).toBeGreaterThanOrEqual(2);

    const generationMs = (r: typeof alone): number => r.finishedAt! - r.firstTokenAt!;
    const batched = requests.slice(0, 4);
    const meanBatched = batched.reduce((sum, r) => sum + generationMs(r), 0) / batched.length;
    // With four active, each request runs at 4^-0.3 ≈ 0.66 of its solo speed.
    expect(meanBatched).toBeGreaterThan(generationMs(alone) * 1.25);
    const wall = Math.max(...batched.map((r) => r.finishedAt!)) - Math.min(...batched.map((r) => r.startedAt!));
    expect((4 * 60) / wall).toBeGreaterThan(60 / generationMs(alone) * 1.5);
  });
});

describe('fault injection', () => {
  it('answers 500, model-loading and HTTP-200-with-error for the next requests, then recovers', async () => {
    const s = await sim();
    s.inject({ fail500: 1, modelLoading: 1, errorIn200: 1 });
    const a = await chatText(s, 'alpha', { max_tokens: 1 });
    const b = await chatText(s, 'alpha', { max_tokens: 1 });
    const c = await chatText(s, 'alpha', { max_tokens: 1 });
    const d = await chatText(s, 'alpha', { max_tokens: 1 });
    expect(a.status).toBe(500);
    expect(b.status).toBe(503);
    expect(JSON.parse(b.text)).toMatchObject({ error: { message: expect.stringContaining('still loading') } });
    expect(c.status).toBe(200);
    expect(JSON.parse(c.text)).toEqual({ error: expect.any(String) });
    expect(d.status).toBe(200);
    expect(JSON.parse(d.text)).toMatchObject({ object: 'chat.completion' });
  });

  it('delays the first token and stalls a stream until the client gives up, recording the abort', async () => {
    const s = await sim();
    s.inject({ slowFirstToken: { count: 1, ms: 150 } });
    const started = Date.now();
    await chatText(s, 'alpha', { max_tokens: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);

    s.inject({ stall: { count: 1, afterTokens: 2 } });
    const controller = new AbortController();
    const res = await chat(s, 'alpha', { max_tokens: 50, stream: true }, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    await sleep(100);
    controller.abort();
    await reader.read().catch(() => undefined);
    await sleep(30);
    const stalled = s.record.requests[1]!;
    expect(stalled).toMatchObject({ aborted: true, completionTokens: 2 });
  });

  it('injects random faults from the seeded generator', async () => {
    const s = await sim({ faults: { errorRate: 1 } });
    expect((await chatText(s, 'alpha', { max_tokens: 1 })).status).toBe(500);
  });
});

describe('determinism and availability', () => {
  it('generates the same content for the same seed and request, and different content for another seed', async () => {
    const [a, b, c] = await Promise.all([sim({ seed: 11 }), sim({ seed: 11 }), sim({ seed: 12 })]);
    const body = { max_tokens: 20, messages: [{ role: 'user', content: 'same question' }] };
    const content = async (s: Simulator): Promise<string> => {
      const json = JSON.parse((await chatText(s, 'alpha', body)).text) as { choices: Array<{ message: { content: string } }> };
      return json.choices[0]!.message.content;
    };
    const [x, y, z] = await Promise.all([content(a!), content(b!), content(c!)]);
    expect(x).toBe(y);
    expect(x).not.toBe(z);
  });

  it('refuses connections while down and serves again on the same port when back up', async () => {
    const s = await sim();
    await s.setDown(true);
    await expect(fetch(`${s.url}/v1/models`)).rejects.toThrow();
    await s.setDown(false);
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(200);
  });

  it('records a client abort while generating', async () => {
    const s = await sim({ tokensPerSecond: 10 });
    const controller = new AbortController();
    const res = await chat(s, 'alpha', { max_tokens: 100, stream: true }, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    await sleep(30);
    const [record] = s.record.requests;
    expect(record).toMatchObject({ aborted: true, evicted: false });
    expect(record!.completionTokens).toBeLessThan(100);
    expect(s.record.concurrency.at(-1)?.active).toBe(0);
  });
});
