import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

type Bucket = { start: number; spanMs: number; tokens: number; finished: number; queued: number; running: number };
const sum = (buckets: Bucket[], field: keyof Bucket): number => buckets.reduce((total, b) => total + b[field], 0);

describe('GET /api/stats/throughput', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    // Real time, ~10 s of generation: the job is still streaming while the record is read.
    h = await startHttpHarness({ sim: { timeScale: 1, tokensPerSecond: 40, minOutputTokens: 400, maxOutputTokens: 400 } });
  });
  afterAll(() => h.close());

  it('counts the tokens of a job still streaming, for a member too', async () => {
    const submitted = await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages } } });
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.job.id;
    try {
      const history = await vi.waitFor(
        async () => {
          const read = await call(h, 'GET', '/api/stats/throughput', { token: h.memberToken });
          expect(read.status).toBe(200);
          expect(sum(read.body.buckets, 'tokens')).toBeGreaterThan(0);
          return read.body;
        },
        { timeout: 8_000, interval: 50 },
      );
      expect((await call(h, 'GET', `/api/jobs/${id}`)).body.job.state).toBe('running');
      expect(history.bucketMs).toBe(10_000);
      expect(sum(history.buckets, 'finished')).toBe(0);
      expect(Math.max(...history.buckets.map((b: Bucket) => b.running))).toBe(1);
    } finally {
      await call(h, 'DELETE', `/api/jobs/${id}`);
    }
  });

  it('answers only the buckets from `since` on, and refuses a `since` that is not a time', async () => {
    const all = (await call(h, 'GET', '/api/stats/throughput')).body;
    const newest: number = all.buckets.at(-1).start;
    const recent = await call(h, 'GET', `/api/stats/throughput?since=${newest}`);
    expect(recent.body.buckets.map((b: Bucket) => b.start)).toEqual([newest]);
    expect(await call(h, 'GET', '/api/stats/throughput?since=yesterday')).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
  });

  it('is the same handler over the invoke route', async () => {
    const invoked = await call(h, 'POST', '/api/invoke/stats.throughput', { body: {} });
    expect(invoked.status).toBe(200);
    expect(invoked.body).toMatchObject({ bucketMs: 10_000, buckets: expect.any(Array) });
  });
});
