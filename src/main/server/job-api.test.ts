import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 8 } };

describe('job API', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('queues, shows, reprioritizes, runs and returns a result', async () => {
    h.engine.setPaused(true);
    const submitted = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, priority: 'low', metadata: { ticket: 7 } } });
    expect(submitted.status).toBe(202);
    const { job } = submitted.body;
    expect(job).toMatchObject({ state: 'queued', priority: 3, owner: 'local', position: 1, metadata: { ticket: 7 } });
    const seconds = expect.any(Number);
    expect(job.eta).toEqual({
      startsInSeconds: seconds,
      finishesInSeconds: seconds,
      startsInSecondsLow: seconds,
      startsInSecondsHigh: seconds,
      finishesInSecondsHigh: seconds,
    });

    expect((await call(h, 'GET', `/api/jobs/${job.id}`)).body.job.id).toBe(job.id);
    expect(await call(h, 'GET', `/api/jobs/${job.id}/result`)).toMatchObject({ status: 409, body: { error: { code: 'invalid_state' } } });
    const patched = await call(h, 'PATCH', `/api/jobs/${job.id}`, { body: { priority: 'high' } });
    expect(patched).toMatchObject({ status: 200, body: { job: { priority: 7 } } });

    const queue = await call(h, 'GET', '/api/queue?offset=0&limit=10');
    expect(queue.status).toBe(200);
    expect(queue.body.queued.map((j: { id: string }) => j.id)).toContain(job.id);
    expect(queue.body).toMatchObject({ paused: true, offset: 0, counts: { queued: expect.any(Number) } });

    h.engine.setPaused(false);
    await vi.waitFor(async () => expect((await call(h, 'GET', `/api/jobs/${job.id}`)).body.job.state).toBe('succeeded'), SERVER_WAIT);
    const result = await call(h, 'GET', `/api/jobs/${job.id}/result`);
    expect(result.status).toBe(200);
    expect(result.body.object).toBe('chat.completion');
    expect(await call(h, 'PATCH', `/api/jobs/${job.id}`, { body: { priority: 1 } })).toMatchObject({ status: 409 });
  });

  it('cancels, refuses a second cancel, and retries as a new job', async () => {
    h.engine.setPaused(true);
    try {
      const { job } = (await call(h, 'POST', '/api/jobs', { body: SUBMIT })).body;
      const canceled = await call(h, 'DELETE', `/api/jobs/${job.id}`);
      expect(canceled).toMatchObject({ status: 200, body: { job: { state: 'canceled' } } });
      expect(await call(h, 'DELETE', `/api/jobs/${job.id}`)).toMatchObject({ status: 409, body: { error: { code: 'invalid_state' } } });
      const retried = await call(h, 'POST', `/api/jobs/${job.id}/retry`);
      expect(retried.status).toBe(202);
      expect(retried.body.job).toMatchObject({ state: 'queued', metadata: { retryOf: job.id } });
      expect(retried.body.job.id).not.toBe(job.id);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('lists with filters and a cursor', async () => {
    for (let i = 0; i < 3; i++) await call(h, 'POST', '/api/jobs', { body: SUBMIT });
    const first = await call(h, 'GET', '/api/jobs?owner=local&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.jobs).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(h, 'GET', `/api/jobs?owner=local&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.jobs[0].id).not.toBe(first.body.jobs[1].id);
    const canceled = await call(h, 'GET', '/api/jobs?state=canceled');
    expect(canceled.body.jobs.every((j: { state: string }) => j.state === 'canceled')).toBe(true);
    expect((await call(h, 'GET', '/api/jobs?state=lost')).status).toBe(400);
    expect(await call(h, 'GET', '/api/jobs?cursor=abc')).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect((await call(h, 'GET', '/api/jobs?limit=0')).status).toBe(400);
  });

  it('answers who am I, the backend, and any handler by name', async () => {
    expect((await call(h, 'GET', '/api/me')).body).toEqual({ owner: 'local', role: 'admin', maxPriority: 9 });
    expect((await call(h, 'GET', '/api/backend')).body).toMatchObject({ status: 'up', url: h.sim.url });
    const invoked = await call(h, 'POST', '/api/invoke/session.whoami', { body: {} });
    expect(invoked).toMatchObject({ status: 200, body: { owner: 'local' } });
    expect((await call(h, 'POST', '/api/invoke/jobs.nope', { body: {} })).status).toBe(404);
  });

  it('pauses and resumes dispatching', async () => {
    expect((await call(h, 'POST', '/api/dispatch/pause')).body).toEqual({ paused: true });
    expect(h.engine.paused()).toBe(true);
    expect((await call(h, 'POST', '/api/dispatch/resume', { body: {} })).body).toEqual({ paused: false });
  });

  it('answers bad input with JSON errors and the right status', async () => {
    const missing = await call(h, 'POST', '/api/jobs', { body: { model: 'sim-model-a', input: {} } });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(missing.body.error.message).toMatch(/^kind:/);
    const priority = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, priority: 12 } });
    expect(priority.body.error.message).toMatch(/^priority:/);
    const extra = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, colour: 'red' } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain('colour');
    const unknownModel = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, model: 'nope' } });
    expect(unknownModel).toMatchObject({ status: 400, body: { error: { code: 'unknown_model' } } });

    expect(await call(h, 'POST', '/api/jobs', { body: '{"kind": "chat",' })).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(await call(h, 'POST', '/api/jobs', { body: '{"__proto__": {"x": 1}}' })).toMatchObject({ status: 400 });
    const polluting = JSON.stringify({ ...SUBMIT, metadata: { constructor: { prototype: { x: 1 } } } });
    const refused = await call(h, 'POST', '/api/jobs', { body: polluting });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(refused.body.error.message).toContain('not valid JSON');
    const plain = await call(h, 'POST', '/api/jobs', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(plain).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });

    expect(await call(h, 'GET', '/api/jobs/job_nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(h, 'DELETE', '/api/jobs/job_nope')).toMatchObject({ status: 404 });
    expect(await call(h, 'GET', '/api/jobs/%E0%A4%A')).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(await call(h, 'GET', '/api/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(h, 'PUT', '/api/jobs')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('job API limits', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ engine: { maxQueued: 3 }, server: { bodyLimit: 16 * 1024 } });
  });
  afterAll(() => h.close());

  it('413 for a body over the limit', async () => {
    const big = { ...SUBMIT, input: { messages: [{ role: 'user', content: 'x'.repeat(20_000) }] } };
    const response = await call(h, 'POST', '/api/jobs', { body: big });
    expect(response).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const viaV1 = await call(h, 'POST', '/v1/chat/completions', { body: { ...CHAT, messages: big.input.messages } });
    expect(viaV1.status).toBe(413);
  });

  it('429 too_many_queued past a token\'s maxQueued, 503 queue_full past the queue\'s', async () => {
    h.engine.setPaused(true);
    try {
      const capped = h.token({ name: 'capped', maxQueued: 1 });
      expect((await call(h, 'POST', '/api/jobs', { token: capped, body: SUBMIT })).status).toBe(202);
      const second = await call(h, 'POST', '/api/jobs', { token: capped, body: SUBMIT });
      expect(second).toMatchObject({ status: 429, body: { error: { code: 'too_many_queued' } } });
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);

      await call(h, 'POST', '/api/jobs', { body: SUBMIT });
      await call(h, 'POST', '/api/jobs', { body: SUBMIT });
      const full = await call(h, 'POST', '/api/jobs', { body: SUBMIT });
      expect(full).toMatchObject({ status: 503, body: { error: { code: 'queue_full' } } });
      expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      h.engine.setPaused(false);
    }
  });

  it('429 rate_limited past a token\'s requests per minute, with Retry-After', async () => {
    const slow = h.token({ name: 'slow', requestsPerMinute: 2 });
    expect((await call(h, 'GET', '/api/me', { token: slow })).status).toBe(200);
    expect((await call(h, 'GET', '/api/queue', { token: slow })).status).toBe(200);
    const limited = await call(h, 'GET', '/api/me', { token: slow });
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
