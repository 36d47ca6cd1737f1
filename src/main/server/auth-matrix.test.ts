import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVER_WAIT } from '../testing/waiting';
import { JobStore } from '../core/store/job-store';
import { TokenStore } from '../core/store/token-store';
import { resolveCaller } from './auth';
import { RateLimiter } from './rate-limiter';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages } };

interface Case {
  name: string;
  method: string;
  path: (ids: Ids) => string;
  body?: unknown;
  /** Expected status for a member and for an admin (both authenticated). */
  member: number;
  admin: number;
}
interface Ids {
  adminJob: string;
  memberJob: string;
  spareToken: string;
  /** The admin's batch file and its (finished) batch: someone else's for the member. */
  adminFile: string;
  adminBatch: string;
}

/** Every protected endpoint; the admin's queued job is someone else's job for the member. */
const CASES: Case[] = [
  { name: 'whoami', method: 'GET', path: () => '/api/me', member: 200, admin: 200 },
  { name: 'submit', method: 'POST', path: () => '/api/jobs', body: SUBMIT, member: 202, admin: 202 },
  { name: 'list', method: 'GET', path: () => '/api/jobs', member: 200, admin: 200 },
  { name: "get someone's job", method: 'GET', path: (i) => `/api/jobs/${i.adminJob}`, member: 200, admin: 200 },
  { name: "result of someone's job", method: 'GET', path: (i) => `/api/jobs/${i.adminJob}/result`, member: 403, admin: 409 },
  { name: "reprioritize someone's job", method: 'PATCH', path: (i) => `/api/jobs/${i.adminJob}`, body: { priority: 2 }, member: 403, admin: 200 },
  { name: 'reprioritize own job', method: 'PATCH', path: (i) => `/api/jobs/${i.memberJob}`, body: { priority: 6 }, member: 200, admin: 200 },
  { name: 'reprioritize above ceiling', method: 'PATCH', path: (i) => `/api/jobs/${i.memberJob}`, body: { priority: 9 }, member: 403, admin: 200 },
  { name: "retry someone's job", method: 'POST', path: (i) => `/api/jobs/${i.adminJob}/retry`, member: 403, admin: 409 },
  { name: 'queue', method: 'GET', path: () => '/api/queue', member: 200, admin: 200 },
  { name: 'backend', method: 'GET', path: () => '/api/backend', member: 200, admin: 200 },
  { name: 'pause', method: 'POST', path: () => '/api/dispatch/pause', member: 403, admin: 200 },
  { name: 'resume', method: 'POST', path: () => '/api/dispatch/resume', member: 403, admin: 200 },
  { name: 'list tokens', method: 'GET', path: () => '/api/tokens', member: 403, admin: 200 },
  { name: 'create token', method: 'POST', path: () => '/api/tokens', body: { name: `t${Math.random().toString(36).slice(2)}` }, member: 403, admin: 201 },
  { name: 'revoke token', method: 'DELETE', path: (i) => `/api/tokens/${i.spareToken}`, member: 403, admin: 200 },
  { name: 'invoke', method: 'POST', path: () => '/api/invoke/tokens.list', body: {}, member: 403, admin: 200 },
  { name: 'models', method: 'GET', path: () => '/v1/models', member: 200, admin: 200 },
  // An unknown model fails after auth, so no job waits on the paused queue.
  { name: 'chat', method: 'POST', path: () => '/v1/chat/completions', body: { ...CHAT, model: 'nope' }, member: 400, admin: 400 },
  { name: 'completions', method: 'POST', path: () => '/v1/completions', body: { model: 'nope', prompt: 'x' }, member: 400, admin: 400 },
  { name: 'embeddings', method: 'POST', path: () => '/v1/embeddings', body: { model: 'nope', input: 'x' }, member: 400, admin: 400 },
  { name: 'metrics', method: 'GET', path: () => '/metrics', member: 200, admin: 200 },
  { name: "cancel someone's job", method: 'DELETE', path: (i) => `/api/jobs/${i.adminJob}`, member: 403, admin: 200 },
  // Files and batches: a member sees its own only (anyone else's is not there for it).
  { name: 'list files', method: 'GET', path: () => '/v1/files', member: 200, admin: 200 },
  { name: "someone's file", method: 'GET', path: (i) => `/v1/files/${i.adminFile}`, member: 404, admin: 200 },
  { name: "someone's file content", method: 'GET', path: (i) => `/v1/files/${i.adminFile}/content`, member: 404, admin: 200 },
  { name: 'list batches', method: 'GET', path: () => '/v1/batches', member: 200, admin: 200 },
  { name: "someone's batch", method: 'GET', path: (i) => `/v1/batches/${i.adminBatch}`, member: 404, admin: 200 },
  { name: "cancel someone's finished batch", method: 'POST', path: (i) => `/v1/batches/${i.adminBatch}/cancel`, member: 404, admin: 409 },
  { name: "delete someone's file", method: 'DELETE', path: (i) => `/v1/files/${i.adminFile}`, member: 404, admin: 200 },
];

describe('auth matrix with --require-auth (loopback needs a token too)', () => {
  let h: HttpHarness;
  let ids: Ids;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true } });
    h.engine.setPaused(true);
    // Due in an hour: the admin's "resume" case cannot let them run and finish mid-matrix.
    const later = { ...SUBMIT, runAt: new Date(Date.now() + 3_600_000).toISOString() };
    const adminJob = (await call(h, 'POST', '/api/jobs', { token: h.adminToken, body: later })).body.job.id;
    const memberJob = (await call(h, 'POST', '/api/jobs', { token: h.memberToken, body: later })).body.job.id;
    // Its one line names a model LM Studio does not have: the batch ends at once, paused or not.
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: { model: 'nope', messages: CHAT.messages } })]), 'in.jsonl');
    const adminFile = ((await (await fetch(`${h.url}/v1/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${h.adminToken}` } })).json()) as { id: string }).id;
    const adminBatch = (await call(h, 'POST', '/v1/batches', { token: h.adminToken, body: { input_file_id: adminFile, endpoint: '/v1/chat/completions', completion_window: '24h' } })).body.id as string;
    await vi.waitFor(async () => expect((await call(h, 'GET', `/v1/batches/${adminBatch}`, { token: h.adminToken })).body.status).toBe('completed'), SERVER_WAIT);
    ids = { adminJob, memberJob, spareToken: 'spare', adminFile, adminBatch };
  });
  afterAll(() => h.close());

  for (const who of ['no token', 'bad token', 'member', 'admin'] as const) {
    it(`${who} × every endpoint`, async () => {
      if (who === 'member' || who === 'admin') h.token({ name: 'spare' });
      const token = { 'no token': undefined, 'bad token': 'lmq_not-a-real-token', member: h.memberToken, admin: h.adminToken }[who];
      const seen: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const c of CASES) {
        const response = await call(h, c.method, c.path(ids), { ...(token ? { token } : {}), ...(c.body ? { body: c.body } : {}) });
        seen[c.name] = response.status;
        expected[c.name] = who === 'member' ? c.member : who === 'admin' ? c.admin : 401;
        if (response.status === 401) expect(response.body.error.code).toBe('unauthorized');
      }
      if (who === 'member' || who === 'admin') {
        try {
          h.engine.tokens.revoke('spare');
        } catch {
          // The admin revoked it already.
        }
      }
      h.engine.setPaused(true);
      expect(seen).toEqual(expected);
    });
  }

  it('keeps health and docs public', async () => {
    expect((await call(h, 'GET', '/api/health')).status).toBe(200);
    expect((await call(h, 'GET', '/docs/json')).status).toBe(200);
  });

  it('names the scheme in 401s', async () => {
    const response = await call(h, 'GET', '/api/me');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('auth without --require-auth', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { host: '0.0.0.0' } });
  });
  afterAll(() => h.close());

  it('lets loopback omit the token (local admin) and keeps token identities', async () => {
    expect((await call(h, 'GET', '/api/me')).body).toEqual({ owner: 'local', role: 'admin', maxPriority: 9 });
    expect((await call(h, 'GET', '/api/me', { token: h.memberToken })).body).toEqual({ owner: 'member', role: 'member', maxPriority: 7 });
    // OpenAI clients always send some key; on loopback an unknown one is the local user.
    expect((await call(h, 'GET', '/api/me', { token: 'lm-studio' })).body.owner).toBe('local');
  });

  it('refuses a revoked LM Queue token even on loopback', async () => {
    const { token } = (await call(h, 'POST', '/api/tokens', { body: { name: 'leaver' } })).body as { token: string };
    expect((await call(h, 'GET', '/api/me', { token })).body.owner).toBe('leaver');
    await call(h, 'DELETE', '/api/tokens/leaver');
    expect(await call(h, 'GET', '/api/me', { token })).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  it('lists the LAN URLs to share when bound to all interfaces', () => {
    expect(h.server.lanUrls.every((url) => url.startsWith('http://') && !url.includes('127.0.0.1'))).toBe(true);
  });
});

describe('callers from other addresses (no traffic: the request is built here)', () => {
  const store = new JobStore({ path: ':memory:' });
  const tokens = new TokenStore(store.db);
  const member = tokens.create({ name: 'teammate', role: 'member' }).token;
  const request = (remoteAddress: string, authorization?: string) =>
    ({
      headers: { host: '127.0.0.1:1235', ...(authorization ? { authorization } : {}) },
      socket: { remoteAddress },
      routeOptions: { config: {} },
      query: {},
    }) as unknown as FastifyRequest;
  const options = { tokens, requireAuth: false, rateLimiter: new RateLimiter() };

  it('requires a valid token from any non-loopback address', () => {
    expect(() => resolveCaller(request('192.168.1.20'), options)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => resolveCaller(request('10.0.0.5', 'Bearer lm-studio'), options)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => resolveCaller(request('::ffff:10.0.0.5', 'Basic abc'), options)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(resolveCaller(request('10.0.0.5', `Bearer ${member}`), options)).toMatchObject({ owner: 'teammate', role: 'member' });
  });

  it('trusts loopback without a token, and ignores a foreign key there, unless auth is required', () => {
    expect(resolveCaller(request('127.0.0.1'), options)).toMatchObject({ owner: 'local', role: 'admin' });
    expect(resolveCaller(request('::1', 'Bearer lm-studio'), options)).toMatchObject({ owner: 'local' });
    expect(() => resolveCaller(request('127.0.0.1', 'Bearer lmq_wrong'), options)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => resolveCaller(request('127.0.0.1'), { ...options, requireAuth: true })).toThrow(expect.objectContaining({ code: 'unauthorized' }));
  });
});
