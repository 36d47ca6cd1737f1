/**
 * A full disk as HTTP clients see it: submissions get 503 storage_full naming the database, reads
 * and /api/health go on (health and /metrics say so), and submissions are taken again once
 * writes succeed. Failures are injected at the better-sqlite3 boundary.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { failSqliteWrites } from '../core/testing/sqlite-faults';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 8 } };
let h: HttpHarness;
beforeAll(async () => {
  h = await startHttpHarness();
});
afterAll(async () => {
  failSqliteWrites(null);
  await h.close();
});

it('refuses new work with 503 storage_full, keeps reads and health, and resumes by itself', async () => {
  const before = await call(h, 'POST', '/api/jobs', { body: SUBMIT });
  failSqliteWrites('SQLITE_FULL');
  const refused = await call(h, 'POST', '/api/jobs', { body: SUBMIT });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('10');
  expect(refused.body.error).toMatchObject({ code: 'storage_full', message: expect.stringContaining('full: :memory:') });
  const v1 = await call(h, 'POST', '/v1/chat/completions', { body: CHAT });
  expect(v1.status).toBe(503);
  expect(v1.body.error.code).toBe('storage_full');
  expect((await call(h, 'GET', `/api/jobs/${before.body.job.id}`)).status).toBe(200);
  const health = await call(h, 'GET', '/api/health');
  expect(health.status).toBe(200);
  expect(health.body.storage).toMatchObject({ status: 'full', message: expect.stringContaining('full: the database') });
  expect((await call(h, 'GET', '/metrics')).body).toMatch(/^lmq_storage_ok 0$/m);
  // A route's own write (a token here) gets the same 503, not an internal error.
  const token = await call(h, 'POST', '/api/tokens', { body: { name: 'carol' } });
  expect(token.status).toBe(503);
  expect(token.body.error).toMatchObject({ code: 'storage_full', message: expect.stringContaining('SQLITE_FULL') });

  failSqliteWrites(null);
  await vi.waitFor(async () => expect((await call(h, 'GET', '/api/health')).body.storage.status).toBe('ok'), { ...SERVER_WAIT, timeout: 10_000 });
  expect((await call(h, 'POST', '/api/jobs', { body: SUBMIT })).status).toBe(202);
  expect((await call(h, 'GET', '/metrics')).body).toMatch(/^lmq_storage_ok 1$/m);
});
