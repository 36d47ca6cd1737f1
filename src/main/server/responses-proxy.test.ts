import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSseUntil, SERVER_WAIT } from '../testing/waiting';
import { call, startHttpHarness, type HttpHarness } from './testing/http-harness';

const REQUEST = { model: 'sim-model-a', input: 'Say something', max_output_tokens: 12 };

describe('OpenAI Responses (/v1/responses) through the queue', () => {
  let h: HttpHarness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('answers responses.create with LM Studio\'s response, as a job with its usage', async () => {
    const { data, response } = await openai.responses.create({ ...REQUEST, priority: 'low' } as OpenAI.Responses.ResponseCreateParamsNonStreaming).withResponse();
    expect(data.object).toBe('response');
    expect(data.output_text.length).toBeGreaterThan(0);
    const id = response.headers.get('x-lmq-job-id')!;
    expect(h.engine.get(id)).toMatchObject({ kind: 'responses', state: 'succeeded', owner: 'member', priority: 3, usage: { completionTokens: 12 } });
    // Ours, never LM Studio's: the priority is read and not forwarded.
    expect(h.forwarded.find((request) => request.jobId === id)?.body).toEqual(REQUEST);
  });

  it('streams Responses events one by one, typed, ending with response.completed or incomplete', async () => {
    const stream = await openai.responses.create({ ...REQUEST, stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(types[0]).toBe('response.created');
    expect(types.filter((type) => type === 'response.output_text.delta')).toHaveLength(12);
    expect(types.at(-1)).toBe('response.incomplete');
    expect(text.length).toBeGreaterThan(0);
  });

  it('passes previous_response_id through to LM Studio, where the conversation lives', async () => {
    const first = await openai.responses.create(REQUEST);
    const { response } = await openai.responses.create({ ...REQUEST, previous_response_id: first.id }).withResponse();
    const sent = h.forwarded.find((request) => request.jobId === response.headers.get('x-lmq-job-id'));
    expect(sent?.body.previous_response_id).toBe(first.id);
  });

  it('retrieves one model, and says 404 for one LM Studio does not have', async () => {
    expect(await openai.models.retrieve('sim-model-a')).toMatchObject({ id: 'sim-model-a', object: 'model' });
    await expect(openai.models.retrieve('no-such-model')).rejects.toMatchObject({ status: 404 });
  });

  it('shows the position as comments while queued, then streams; a client that leaves while queued never reaches LM Studio', async () => {
    h.engine.setPaused(true);
    try {
      const response = await fetch(`${h.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...REQUEST, stream: true }) });
      expect(await readSseUntil(response, (text) => text.includes(': queued position='))).toMatch(/: queued position=1 eta=\d+s/);
      const abort = new AbortController();
      const leaving = await fetch(`${h.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...REQUEST, stream: true }), signal: abort.signal });
      const leavingId = leaving.headers.get('x-lmq-job-id')!;
      abort.abort();
      await vi.waitFor(() => expect(h.engine.get(leavingId).state).toBe('canceled'), SERVER_WAIT);
      h.engine.setPaused(false);
      const rest = await readSseUntil(response, (text) => text.includes('event: response.incomplete'));
      expect(rest).toContain('event: response.output_text.delta\ndata: {');
      expect(h.sim.record.requests.map((r) => r.clientRequestId)).not.toContain(leavingId);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('aborts LM Studio\'s request when a streaming client leaves mid-stream', async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const abort = new AbortController();
    const { data: stream, response } = await openai.responses.create({ ...REQUEST, stream: true }, { signal: abort.signal }).withResponse();
    const id = response.headers.get('x-lmq-job-id')!;
    const events = stream[Symbol.asyncIterator]();
    await events.next();
    abort.abort();
    await vi.waitFor(() => expect(h.sim.record.requests.find((r) => r.clientRequestId === id)?.aborted).toBe(true), SERVER_WAIT);
    expect(h.engine.get(id).state).toBe('canceled');
  });

  it('answers errors in OpenAI\'s shape: bad input 400, a failed job with x-should-retry false, an error event mid-stream', async () => {
    const bad = await call(h, 'POST', '/v1/responses', { token: h.memberToken, body: { model: 'sim-model-a' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: expect.stringContaining('input.input') } } });
    h.sim.inject({ fail500: 1 });
    const failed = await call(h, 'POST', '/v1/responses', { token: h.memberToken, body: REQUEST });
    expect(failed).toMatchObject({ status: 502, body: { error: { code: 'server_error' } } });
    expect(failed.headers.get('x-should-retry')).toBe('false');
    h.sim.inject({ fail500: 1 });
    const streamed = await call(h, 'POST', '/v1/responses', { token: h.memberToken, body: { ...REQUEST, stream: true } });
    expect(streamed.body).toMatch(/event: error\ndata: \{"type":"error","code":"server_error"/);
  });
});
