import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSseUntil, SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

describe('OpenAI-compatible /v1 through the queue', () => {
  let h: HttpHarness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('lists models', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['sim-model-a', 'text-embedding-sim']));
  });

  it('answers a chat completion with the job id header and LM Studio body', async () => {
    const { data, response } = await openai.chat.completions.create(CHAT).withResponse();
    const jobId = response.headers.get('x-lmq-job-id');
    expect(jobId).toMatch(/^job_/);
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBeTruthy();
    const job = h.engine.get(jobId!);
    expect(job).toMatchObject({ state: 'succeeded', owner: 'member', lane: 'interactive', kind: 'chat' });
    expect(await call(h, 'GET', `/api/jobs/${jobId}/result`, { token: h.memberToken })).toMatchObject({ status: 200, body: data });
  });

  it('answers text completions and embeddings', async () => {
    const completion = await openai.completions.create({ model: 'sim-model-a', prompt: 'Once', max_tokens: 5 });
    expect(completion.choices[0]?.text).toBeTruthy();
    const asFloats = await openai.embeddings.create({ model: 'text-embedding-sim', input: 'hello', encoding_format: 'float' });
    expect(asFloats.data[0]?.embedding.length).toBeGreaterThan(8);
    // The SDK's default asks for base64 and decodes it: the same vector must come back.
    const byDefault = await openai.embeddings.create({ model: 'text-embedding-sim', input: 'hello' });
    expect(byDefault.data[0]?.embedding).toHaveLength(asFloats.data[0]!.embedding.length);
    expect(byDefault.data[0]!.embedding[0]).toBeCloseTo(asFloats.data[0]!.embedding[0]!, 5);
  });

  it('streams chunks and ends with [DONE]', async () => {
    const { data: stream, response } = await openai.chat.completions.create({ ...CHAT, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(h.engine.get(response.headers.get('x-lmq-job-id')!).state).toBe('succeeded');
  });

  it('reads priority from the header or the body and strips it before forwarding', async () => {
    const viaHeader = await call(h, 'POST', '/v1/chat/completions', {
      token: h.memberToken,
      body: CHAT,
      headers: { 'x-lmq-priority': 'low', 'x-lmq-lane': 'batch' },
    });
    expect(viaHeader.status).toBe(200);
    expect(h.engine.get(viaHeader.headers.get('x-lmq-job-id')!)).toMatchObject({ priority: 3, lane: 'batch' });

    const viaBody = await call(h, 'POST', '/v1/chat/completions', { token: h.memberToken, body: { ...CHAT, priority: 2 } });
    const id = viaBody.headers.get('x-lmq-job-id')!;
    expect(h.engine.get(id).priority).toBe(2);
    const sent = h.forwarded.find((request) => request.jobId === id);
    expect(sent?.body).toEqual(CHAT);
  });

  it('refuses bad requests with 400 naming the problem', async () => {
    const unknown = await call(h, 'POST', '/v1/chat/completions', { body: { ...CHAT, model: 'nope' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_model');
    expect(unknown.body.error.message).toContain('sim-model-a');

    const noModel = await call(h, 'POST', '/v1/chat/completions', { body: { messages: CHAT.messages } });
    expect(noModel).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(noModel.body.error.message).toContain('model');

    const badPriority = await call(h, 'POST', '/v1/chat/completions', { body: CHAT, headers: { 'x-lmq-priority': 'asap' } });
    expect(badPriority.status).toBe(400);
    expect(badPriority.body.error.message).toMatch(/^priority:/);

    expect((await call(h, 'POST', '/v1/chat/completions', { body: [1, 2] })).status).toBe(400);
    const malformed = await call(h, 'POST', '/v1/chat/completions', { body: '{"model": ' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
  });

  it('refuses a priority above the token ceiling with 403', async () => {
    const urgent = await call(h, 'POST', '/v1/chat/completions', { token: h.memberToken, body: { ...CHAT, priority: 'urgent' } });
    expect(urgent).toMatchObject({ status: 403, body: { error: { code: 'priority_not_allowed' } } });
  });

  it('turns a failed job into an error the SDK understands, and tells it not to retry', async () => {
    h.sim.inject({ fail500: 1 });
    const failed = await call(h, 'POST', '/v1/chat/completions', { token: h.memberToken, body: CHAT });
    expect(failed.status).toBe(502);
    expect(failed.headers.get('x-should-retry')).toBe('false');
    expect(failed.body.error.code).toBe('server_error');
    expect(h.engine.get(failed.headers.get('x-lmq-job-id')!).state).toBe('failed');
  });

  it('shows the queue position while queued, then streams', async () => {
    h.engine.setPaused(true);
    try {
      const response = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...CHAT, stream: true }),
      });
      expect(response.status).toBe(200);
      const queued = await readSseUntil(response, (text) => text.includes(': queued position='));
      expect(queued).toMatch(/: queued position=1 eta=\d+s/);
      h.engine.setPaused(false);
      const rest = await readSseUntil(response, (text) => text.includes('data: [DONE]'));
      expect(rest).toContain('"chat.completion.chunk"');
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('cancels a queued job when its client disconnects, so LM Studio never sees it', async () => {
    h.engine.setPaused(true);
    try {
      const abort = new AbortController();
      const { response } = await openai.chat.completions
        .create({ ...CHAT, stream: true }, { signal: abort.signal })
        .withResponse();
      const id = response.headers.get('x-lmq-job-id')!;
      expect(h.engine.get(id).state).toBe('queued');
      abort.abort();
      await vi.waitFor(() => expect(h.engine.get(id).state).toBe('canceled'), SERVER_WAIT);

      // Non-streaming too.
      const abortPlain = new AbortController();
      const plain = openai.chat.completions.create(CHAT, { signal: abortPlain.signal }).catch(() => null);
      const plainJob = await vi.waitFor(() => {
        const [queued] = h.engine.list({ state: 'queued', owner: 'member' }).jobs;
        expect(queued).toBeDefined();
        return queued!;
      }, SERVER_WAIT);
      abortPlain.abort();
      await plain;
      await vi.waitFor(() => expect(h.engine.get(plainJob.id).state).toBe('canceled'), SERVER_WAIT);

      h.engine.setPaused(false);
      await openai.chat.completions.create(CHAT); // the queue moves on
      const seen = h.sim.record.requests.map((r) => r.clientRequestId);
      expect(seen).not.toContain(id);
      expect(seen).not.toContain(plainJob.id);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('aborts the LM Studio request when a streaming client disconnects mid-stream', async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const abort = new AbortController();
    const { data: stream, response } = await openai.chat.completions
      .create({ ...CHAT, stream: true }, { signal: abort.signal })
      .withResponse();
    const id = response.headers.get('x-lmq-job-id')!;
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // the first chunk: the job is running in LM Studio
    abort.abort();
    await vi.waitFor(() => expect(h.sim.record.requests.find((r) => r.clientRequestId === id)?.aborted).toBe(true), SERVER_WAIT);
    expect(h.engine.get(id).state).toBe('canceled');
  });
});
