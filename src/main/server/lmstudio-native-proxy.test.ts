import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSseUntil, SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const NATIVE = { model: 'sim-model-a', input: 'Say something', max_output_tokens: 6 };

function post(h: HttpHarness, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
}

describe("LM Studio's own REST API through the queue", () => {
  let h: HttpHarness;
  const listingsRead: string[] = [];

  beforeAll(async () => {
    const countingFetch: typeof fetch = (input, init) => {
      listingsRead.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 }, client: { fetch: countingFetch } });
  });
  afterAll(() => h.close());

  it('streams /api/v1/chat as its typed events, progress included, and keeps the usage from chat.end', async () => {
    const response = await post(h, '/api/v1/chat', { ...NATIVE, stream: true });
    const text = await response.text();
    expect(text).toMatch(/(^|\n)event: chat\.start\ndata: \{"type":"chat\.start"/);
    expect(text).toContain('event: prompt_processing.progress\ndata: {"type":"prompt_processing.progress","progress":0.5}');
    expect(text.match(/event: message\.delta\n/g)).toHaveLength(6);
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: chat\.end\n/);
    const job = h.engine.get(response.headers.get('x-lmq-job-id')!);
    expect(job).toMatchObject({ kind: 'native-chat', state: 'succeeded', usage: { completionTokens: 6, tokensPerSecond: expect.any(Number) } });
  });

  it('answers /api/v1/chat with its result, and passes store and previous_response_id through to LM Studio', async () => {
    const first = await call(h, 'POST', '/api/v1/chat', { body: NATIVE });
    expect(first.body).toMatchObject({ model_instance_id: 'sim-model-a', output: [{ type: 'message' }], response_id: expect.stringMatching(/^resp_/) });
    const next = await call(h, 'POST', '/api/v1/chat', { body: { ...NATIVE, previous_response_id: first.body.response_id, store: false } });
    const sent = h.forwarded.find((request) => request.jobId === next.headers.get('x-lmq-job-id'));
    expect(sent?.body).toMatchObject({ previous_response_id: first.body.response_id, store: false });
    expect(next.body.response_id).toBeUndefined();
  });

  it('queues REST v0 inference on LM Studio\'s own v0 endpoints', async () => {
    const chat = await call(h, 'POST', '/api/v0/chat/completions', { body: CHAT });
    expect(chat.body).toMatchObject({ object: 'chat.completion', stats: { tokens_per_second: expect.any(Number) } });
    expect(h.engine.get(chat.headers.get('x-lmq-job-id')!).kind).toBe('v0-chat');
    const completion = await call(h, 'POST', '/api/v0/completions', { body: { model: 'sim-model-a', prompt: 'Once', max_tokens: 3 } });
    expect(completion.body.object).toBe('text_completion');
    const embedding = await call(h, 'POST', '/api/v0/embeddings', { body: { model: 'text-embedding-sim', input: 'hello' } });
    expect(embedding.body.data[0].embedding.length).toBeGreaterThan(8);
    const streamed = await (await post(h, '/api/v0/chat/completions', { ...CHAT, stream: true })).text();
    expect(streamed).toContain('data: [DONE]');
    const endpoints = h.sim.record.requests.map((r) => r.endpoint);
    expect(endpoints).toEqual(expect.arrayContaining(['/api/v0/chat/completions', '/api/v0/completions', '/api/v0/embeddings']));
  });

  it('shows the position as comments while queued; a client that leaves while queued never reaches LM Studio', async () => {
    h.engine.setPaused(true);
    try {
      const native = await post(h, '/api/v1/chat', { ...NATIVE, stream: true });
      expect(await readSseUntil(native, (text) => text.includes(': queued position='))).toMatch(/^: queued position=1 eta=\d+s/);
      const v0 = await post(h, '/api/v0/chat/completions', { ...CHAT, stream: true });
      expect(await readSseUntil(v0, (text) => text.includes(': queued position='))).toMatch(/: queued position=2/);
      const abort = new AbortController();
      const leaving = await post(h, '/api/v1/chat', { ...NATIVE, stream: true }, abort.signal);
      const leavingId = leaving.headers.get('x-lmq-job-id')!;
      abort.abort();
      await vi.waitFor(() => expect(h.engine.get(leavingId).state).toBe('canceled'), SERVER_WAIT);
      h.engine.setPaused(false);
      expect(await readSseUntil(native, (text) => text.includes('event: chat.end'))).toContain('event: message.delta');
      expect(await readSseUntil(v0, (text) => text.includes('data: [DONE]'))).toContain('"chat.completion.chunk"');
      expect(h.sim.record.requests.map((r) => r.clientRequestId)).not.toContain(leavingId);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it("shows LM Studio's prompt progress as the job's progress before the first token", async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 0 } });
    const abort = new AbortController();
    const response = await post(h, '/api/v1/chat', { ...NATIVE, stream: true }, abort.signal);
    const id = response.headers.get('x-lmq-job-id')!;
    await readSseUntil(response, (text) => text.includes('event: prompt_processing.end'));
    await vi.waitFor(() => expect(h.engine.get(id).progress).toMatchObject({ stage: 'prompt', message: 'reading the prompt: 100%' }), SERVER_WAIT);
    abort.abort();
    await vi.waitFor(() => expect(h.engine.get(id).state).toBe('canceled'), SERVER_WAIT);
  });

  it("aborts LM Studio's request when a /api/v1/chat stream is left mid-way", async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const abort = new AbortController();
    const response = await post(h, '/api/v1/chat', { ...NATIVE, stream: true }, abort.signal);
    const id = response.headers.get('x-lmq-job-id')!;
    await readSseUntil(response, (text) => text.includes('event: message.delta'));
    abort.abort();
    await vi.waitFor(() => expect(h.sim.record.requests.find((r) => r.clientRequestId === id)?.aborted).toBe(true), SERVER_WAIT);
    expect(h.engine.get(id).state).toBe('canceled');
  });

  it('reads the model listings through from LM Studio, never queued, sharing one read for a moment', async () => {
    const direct = async (path: string) => (await fetch(`${h.sim.url}${path}`)).json();
    const v0 = await call(h, 'GET', '/api/v0/models');
    expect(v0.body).toEqual(await direct('/api/v0/models'));
    expect((await call(h, 'GET', '/api/v1/models')).body).toEqual(await direct('/api/v1/models'));
    expect((await call(h, 'GET', '/api/v0/models/sim-model-a')).body).toMatchObject({ id: 'sim-model-a', state: expect.any(String) });
    expect(await call(h, 'GET', '/api/v0/models/nope')).toMatchObject({ status: 404, body: { error: { message: expect.stringContaining('nope') } } });
    const before = listingsRead.filter((path) => path === '/api/v0/models').length;
    await call(h, 'GET', '/api/v0/models');
    expect(listingsRead.filter((path) => path === '/api/v0/models').length).toBe(before);
    expect(h.engine.counts().queued + h.engine.counts().running).toBe(0);
  });

  it('refuses model load, unload and download with 403, for admins too, saying LM Queue owns loading', async () => {
    for (const path of ['/api/v1/models/load', '/api/v1/models/unload', '/api/v1/models/download']) {
      const refused = await call(h, 'POST', path, { token: h.adminToken, body: { model: 'sim-model-b' } });
      expect(refused).toMatchObject({ status: 403, body: { error: { type: 'invalid_request', code: 'forbidden', message: expect.stringContaining('LM Queue owns loading') } } });
    }
    expect(h.sim.record.loads.filter((load) => load.model === 'sim-model-b')).toHaveLength(0);
  });

  it("answers errors in LM Studio's shape: bad input, a failed job, an error event mid-stream", async () => {
    expect(await call(h, 'POST', '/api/v1/chat', { body: { model: 'sim-model-a' } })).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request', code: 'bad_request', message: expect.stringContaining('input.input') } },
    });
    h.sim.inject({ fail500: 1 });
    expect(await call(h, 'POST', '/api/v1/chat', { body: NATIVE })).toMatchObject({ status: 502, body: { error: { type: 'internal_error', code: 'server_error' } } });
    h.sim.inject({ fail500: 1 });
    const streamed = await (await post(h, '/api/v1/chat', { ...NATIVE, stream: true })).text();
    expect(streamed).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"internal_error","message":/);
  });
});
