/** /api/schedules through the real server, engine and LM Studio client, against the simulator, in real time. */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const JOB = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } };

let h: HttpHarness;
beforeAll(async () => {
  h = await startHttpHarness();
});
afterAll(() => h.close());

test('an every-second schedule (6 fields) fires within ~2 s, and its job succeeds as its creator, in the background lane', async () => {
  const created = await call(h, 'POST', '/api/schedules', {
    token: h.memberToken,
    body: { name: 'every-second', cron: '* * * * * *', timezone: 'Europe/Berlin', job: JOB },
  });
  expect(created.status).toBe(201);
  expect(created.body.schedule).toMatchObject({ name: 'every-second', owner: 'member', enabled: true, overlap: 'skip', catchUp: 'none' });
  expect(created.body.schedule.nextRuns).toHaveLength(5);
  expect(created.body.schedule.nextRuns[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/);

  const job = await vi.waitFor(
    async () => {
      const { body } = await call(h, 'GET', '/api/jobs?schedule=every-second', { token: h.memberToken });
      const done = body.jobs.find((j: { state: string }) => j.state === 'succeeded');
      expect(done).toBeDefined();
      return done;
    },
    { timeout: 2_500, interval: 50 },
  );
  expect(job).toMatchObject({ owner: 'member', lane: 'background', metadata: { schedule: 'every-second' } });
  const disabled = await call(h, 'PATCH', '/api/schedules/every-second', { token: h.memberToken, body: { enabled: false } });
  expect(disabled.body.schedule).toMatchObject({ enabled: false, nextRuns: [] });
  expect(disabled.body.schedule.runs.fired).toBeGreaterThanOrEqual(1);
  expect(disabled.body.schedule.lastJobId).toEqual(expect.any(String));
});

describe('refusals', () => {
  test('a bad expression, zone or job body is a 400 naming the field', async () => {
    const badCron = await call(h, 'POST', '/api/schedules', { body: { name: 'bad', cron: '0 3 * *', job: JOB } });
    expect([badCron.status, badCron.body.error.code]).toEqual([400, 'bad_request']);
    expect(badCron.body.error.message).toMatch(/^cron: expected 5 fields/);
    const badZone = await call(h, 'POST', '/api/schedules', { body: { name: 'bad', cron: '0 3 * * *', timezone: 'Europe/Atlantis', job: JOB } });
    expect([badZone.status, badZone.body.error.message]).toEqual([400, 'timezone: not an IANA time zone (e.g. Europe/Berlin, UTC)']);
    const badPatch = await call(h, 'PATCH', '/api/schedules/nope', { body: { cron: '99 * * * *' } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.message).toMatch(/^cron: /);
    const badInput = await call(h, 'POST', '/api/schedules', { body: { name: 'bad', cron: '0 3 * * *', job: { ...JOB, input: { messages: [] } } } });
    expect([badInput.status, badInput.body.error.message]).toEqual([400, 'job.input.messages must be a non-empty array of chat messages']);
  });

  test('a member cannot schedule above its highest priority; a taken name is 409', async () => {
    const tooHigh = await call(h, 'POST', '/api/schedules', {
      token: h.memberToken,
      body: { name: 'urgent-member', cron: '0 3 * * *', job: { ...JOB, priority: 'urgent' } },
    });
    expect([tooHigh.status, tooHigh.body.error.code]).toEqual([403, 'priority_not_allowed']);
    await call(h, 'POST', '/api/schedules', { body: { name: 'taken', cron: '0 3 * * *', job: JOB } });
    const again = await call(h, 'POST', '/api/schedules', { body: { name: 'taken', cron: '0 4 * * *', job: JOB } });
    expect(again.status).toBe(409);
  });
});

test('members manage their own schedules, admins all; run now answers 202 with a job of the owner', async () => {
  const other = h.token({ name: 'other-member', role: 'member' });
  const created = await call(h, 'POST', '/api/schedules', { token: h.memberToken, body: { name: 'members-own', cron: '0 3 * * *', job: JOB } });
  expect(created.status).toBe(201);

  for (const [method, path, body] of [
    ['GET', '/api/schedules/members-own', undefined],
    ['PATCH', '/api/schedules/members-own', { enabled: false }],
    ['POST', '/api/schedules/members-own/run', undefined],
    ['DELETE', '/api/schedules/members-own', undefined],
  ] as const) {
    const refused = await call(h, method, path, { token: other, ...(body ? { body } : {}) });
    expect({ method, path, status: refused.status }).toEqual({ method, path, status: 403 });
  }
  const othersList = await call(h, 'GET', '/api/schedules', { token: other });
  expect(othersList.body.schedules).toEqual([]);
  const adminList = await call(h, 'GET', '/api/schedules', { token: h.adminToken });
  expect(adminList.body.schedules.map((s: { name: string }) => s.name)).toContain('members-own');

  const run = await call(h, 'POST', '/api/schedules/members-own/run', { token: h.adminToken });
  expect(run.status).toBe(202);
  expect(run.body.job).toMatchObject({ owner: 'member', lane: 'background', metadata: { schedule: 'members-own' } });
  const seen = await call(h, 'GET', '/api/schedules/members-own', { token: h.memberToken });
  expect(seen.body.schedule).toMatchObject({ lastJobId: run.body.job.id, runs: { manual: 1 } });

  const changed = await call(h, 'PATCH', '/api/schedules/members-own', { token: h.memberToken, body: { cron: '0 0 12 * * *', timezone: 'UTC' } });
  expect(changed.body.schedule.nextRuns[0]).toMatch(/T12:00:00\+00:00$/);
  expect((await call(h, 'DELETE', '/api/schedules/members-own', { token: h.memberToken })).body).toEqual({ deleted: 'members-own' });
  expect((await call(h, 'GET', '/api/schedules/members-own', { token: h.adminToken })).status).toBe(404);
});
