/**
 * Idempotency-Key on POST /api/jobs and the queued /v1 routes: a repeat within a day returns the
 * first job (for a synchronous request: its answer), never a second run; the same key with a
 * different request is 422 idempotency_key_reused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 8 } };
const key = (name: string) => ({ 'idempotency-key': `${name}-${Math.random().toString(36).slice(2)}` });

describe('Idempotency-Key', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('POST /api/jobs: a repeat returns the first job; another request under the key is 422; keys are per owner', async () => {
    h.engine.setPaused(true);
    const headers = key('jobs');
    const first = await call(h, 'POST', '/api/jobs', { body: SUBMIT, headers });
    const again = await call(h, 'POST', '/api/jobs', { body: SUBMIT, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.job.id).toBe(first.body.job.id);
    expect(h.engine.counts().queued).toBe(1);

    const other = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, priority: 7 }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', details: { jobId: first.body.job.id } });
    // Another owner's key is another key.
    const member = await call(h, 'POST', '/api/jobs', { body: SUBMIT, headers, token: h.memberToken });
    expect(member.body.job.id).not.toBe(first.body.job.id);
    expect((await call(h, 'POST', '/api/jobs', { body: SUBMIT, headers: { 'idempotency-key': 'bad key' } })).body.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/Idempotency-Key must be/) });
    h.engine.setPaused(false);
  });

  it('/v1/chat/completions: a retry while the first waits gets the same answer, and LM Studio runs it once; a later repeat too', async () => {
    h.engine.setPaused(true);
    const headers = key('v1');
    const body = { ...CHAT, messages: [{ role: 'user', content: 'exactly once' }] };
    const first = call(h, 'POST', '/v1/chat/completions', { body, headers });
    const retry = call(h, 'POST', '/v1/chat/completions', { body, headers });
    h.engine.setPaused(false);
    const [a, b] = await Promise.all([first, retry]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('x-lmq-job-id')).toBe(a.headers.get('x-lmq-job-id'));
    const later = await call(h, 'POST', '/v1/chat/completions', { body, headers });
    expect(later.body).toEqual(a.body);
    expect(h.sim.record.requests.filter((r) => r.clientRequestId === a.headers.get('x-lmq-job-id'))).toHaveLength(1);
  });

  it('a stream cannot be replayed: a repeat is 409 idempotency_key_in_use naming the job', async () => {
    const headers = key('stream');
    const body = { ...CHAT, stream: true };
    const first = await call(h, 'POST', '/v1/chat/completions', { body, headers });
    expect(first.status).toBe(200);
    const repeat = await call(h, 'POST', '/v1/chat/completions', { body, headers });
    expect(repeat.status).toBe(409);
    expect(repeat.body.error).toMatchObject({ code: 'idempotency_key_in_use', message: expect.stringContaining(first.headers.get('x-lmq-job-id')!) });
  });
});
