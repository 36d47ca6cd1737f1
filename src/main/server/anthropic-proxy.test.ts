import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSseUntil, SERVER_WAIT } from '../testing/waiting';
import { call, startHttpHarness, type HttpHarness } from './testing/http-harness';

const REQUEST = { model: 'sim-model-a', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Say something' }] };

describe('Anthropic Messages (/v1/messages) through the queue', () => {
  let h: HttpHarness;
  let anthropic: Anthropic;

  beforeAll(async () => {
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 }, server: { requireAuth: true } });
    // apiKey: the SDK sends it as x-api-key, as Claude Code does with ANTHROPIC_API_KEY.
    anthropic = new Anthropic({ baseURL: h.url, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('answers messages.create with x-api-key, as a messages job with its usage', async () => {
    const { data, response } = await anthropic.messages.create(REQUEST).withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'max_tokens', usage: { output_tokens: 10 } });
    expect(data.content[0]).toMatchObject({ type: 'text', text: expect.any(String) });
    const id = response.headers.get('x-lmq-job-id')!;
    expect(h.engine.get(id)).toMatchObject({ kind: 'messages', owner: 'member', state: 'succeeded', usage: { completionTokens: 10 } });
  });

  it('accepts the token as a bearer token too (ANTHROPIC_AUTH_TOKEN)', async () => {
    const viaBearer = new Anthropic({ baseURL: h.url, authToken: h.memberToken, apiKey: null, maxRetries: 0 });
    expect((await viaBearer.messages.create(REQUEST)).type).toBe('message');
  });

  it('streams Messages events one by one, and the SDK puts the message together', async () => {
    const stream = anthropic.messages.stream(REQUEST);
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(types.filter((type) => type === 'content_block_delta')).toHaveLength(10);
    expect(types.at(-1)).toBe('message_stop');
    expect(message.content[0]).toMatchObject({ type: 'text' });
  });

  it('sends Anthropic ping events (not comments) with the position while queued; a client that leaves never reaches LM Studio', async () => {
    h.engine.setPaused(true);
    try {
      const headers = { 'content-type': 'application/json', 'x-api-key': h.memberToken };
      const response = await fetch(`${h.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ ...REQUEST, stream: true }) });
      const queued = await readSseUntil(response, (text) => text.includes('event: ping'));
      expect(queued).toMatch(/^event: ping\ndata: \{"type":"ping","lmq_status":"queued position=1 eta=\d+s"\}/);
      expect(queued).not.toContain(': queued');
      const abort = new AbortController();
      const leaving = await fetch(`${h.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ ...REQUEST, stream: true }), signal: abort.signal });
      const leavingId = leaving.headers.get('x-lmq-job-id')!;
      abort.abort();
      await vi.waitFor(() => expect(h.engine.get(leavingId).state).toBe('canceled'), SERVER_WAIT);
      h.engine.setPaused(false);
      expect(await readSseUntil(response, (text) => text.includes('event: message_stop'))).toContain('event: content_block_delta');
      expect(h.sim.record.requests.map((r) => r.clientRequestId)).not.toContain(leavingId);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('aborts LM Studio\'s request when a streaming client leaves mid-stream', async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const abort = new AbortController();
    const { data: stream, response } = await anthropic.messages.create({ ...REQUEST, stream: true }, { signal: abort.signal }).withResponse();
    const id = response.headers.get('x-lmq-job-id')!;
    const events = stream[Symbol.asyncIterator]();
    await events.next();
    abort.abort();
    await vi.waitFor(() => expect(h.sim.record.requests.find((r) => r.clientRequestId === id)?.aborted).toBe(true), SERVER_WAIT);
    expect(h.engine.get(id).state).toBe('canceled');
  });

  it('answers every error in Anthropic\'s shape: no key 401, bad input 400, priority ceiling 403, a failed job, a failure mid-stream', async () => {
    const noKey = await call(h, 'POST', '/v1/messages', { body: REQUEST });
    expect(noKey).toMatchObject({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('x-api-key') } } });
    const headers = { 'x-api-key': h.memberToken };
    expect(await call(h, 'POST', '/v1/messages', { headers, body: { model: 'sim-model-a' } })).toMatchObject({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('messages') } },
    });
    expect(await call(h, 'POST', '/v1/messages', { headers: { ...headers, 'x-lmq-priority': 'urgent' }, body: REQUEST })).toMatchObject({
      status: 403,
      body: { type: 'error', error: { type: 'permission_error' } },
    });
    h.sim.inject({ fail500: 1 });
    await expect(anthropic.messages.create(REQUEST)).rejects.toMatchObject({ status: 502, error: { type: 'error', error: { type: 'api_error' } } });
    h.sim.inject({ fail500: 1 });
    const streamed = await call(h, 'POST', '/v1/messages', { headers, body: { ...REQUEST, stream: true } });
    expect(streamed.body).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":/);
    expect(await call(h, 'POST', '/v1/messages/count_tokens', { headers, body: REQUEST })).toMatchObject({ status: 404, body: { type: 'error', error: { type: 'not_found_error' } } });
    const limited = { 'x-api-key': h.token({ name: 'limited', role: 'member', requestsPerMinute: 1 }) };
    expect((await call(h, 'POST', '/v1/messages', { headers: limited, body: REQUEST })).status).toBe(200);
    const refused = await call(h, 'POST', '/v1/messages', { headers: limited, body: REQUEST });
    expect(refused).toMatchObject({ status: 429, body: { type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('requests per minute') } } });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
