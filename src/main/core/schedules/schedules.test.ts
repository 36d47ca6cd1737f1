import { describe, expect, test } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { LOCAL_CREATOR, advanceTo, at, jobsOf, scheduleRequest, startEngine, tempDataDir } from './testing/schedule-fixtures';

describe('a schedule on the fake clock', () => {
  test('fires at each run time: an ordinary background job of its creator, tagged with its name', async () => {
    const clock = new FakeClock(at('2026-03-01T00:10:00Z'));
    const { engine } = await startEngine(clock, null, { serviceMs: () => 1_000 });
    const created = engine.schedules.create(scheduleRequest({ name: 'norms', cron: '0 * * * *' }), LOCAL_CREATOR);
    expect(created.nextRuns).toEqual([
      '2026-03-01T01:00:00+00:00',
      '2026-03-01T02:00:00+00:00',
      '2026-03-01T03:00:00+00:00',
      '2026-03-01T04:00:00+00:00',
      '2026-03-01T05:00:00+00:00',
    ]);
    expect(created).toMatchObject({ lastRunAt: null, lastJobId: null, runs: { fired: 0, skipped: 0 } });

    await advanceTo(clock, at('2026-03-01T00:59:59Z'));
    expect(jobsOf(engine, 'norms')).toEqual([]);
    await advanceTo(clock, at('2026-03-01T02:30:00Z'));
    const jobs = jobsOf(engine, 'norms');
    expect(jobs.map((j) => [j.createdAt, j.owner, j.lane, j.state, j.metadata])).toEqual([
      ['2026-03-01T01:00:00.000Z', 'local', 'background', 'succeeded', { schedule: 'norms' }],
      ['2026-03-01T02:00:00.000Z', 'local', 'background', 'succeeded', { schedule: 'norms' }],
    ]);
    expect(engine.schedules.get('norms')).toMatchObject({
      lastRunAt: '2026-03-01T02:00:00.000Z',
      lastJobId: jobs[1]!.id,
      runs: { fired: 2, skipped: 0, manual: 0 },
      nextRuns: expect.arrayContaining(['2026-03-01T03:00:00+00:00']),
    });
  });

  test('DST: a Berlin 02:30 schedule fires at 03:00 CEST on the spring-forward Sunday, once', async () => {
    const clock = new FakeClock(at('2026-03-28T12:00:00Z'));
    const { engine } = await startEngine(clock, null, { serviceMs: () => 1_000 });
    engine.schedules.create(scheduleRequest({ name: 'berlin', cron: '30 2 * * *', timezone: 'Europe/Berlin' }), LOCAL_CREATOR);
    await advanceTo(clock, at('2026-03-30T12:00:00Z'));
    expect(jobsOf(engine, 'berlin').map((j) => j.createdAt)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  test('overlap skip (default) skips a run while the previous job is unfinished and counts it; queue queues it anyway', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    // Each job takes 90 s, so it is still running at the next minute.
    const { engine } = await startEngine(clock, null, { serviceMs: () => 90_000 });
    engine.schedules.create(scheduleRequest({ name: 'skipper', cron: '* * * * *' }), LOCAL_CREATOR);
    engine.schedules.create(scheduleRequest({ name: 'queuer', cron: '* * * * *', overlap: 'queue' }), LOCAL_CREATOR);
    await advanceTo(clock, at('2026-03-01T00:04:30Z'));
    // 00:01 runs to 00:02:30, so 00:02 is skipped; 00:03 runs to 00:04:30, so 00:04 is skipped.
    expect(jobsOf(engine, 'skipper').map((j) => j.createdAt)).toEqual(['2026-03-01T00:01:00.000Z', '2026-03-01T00:03:00.000Z']);
    expect(engine.schedules.get('skipper').runs).toMatchObject({ fired: 2, skipped: 2 });
    expect(jobsOf(engine, 'queuer')).toHaveLength(4);
    expect(engine.schedules.get('queuer').runs).toMatchObject({ fired: 4, skipped: 0 });
  });

  test('disabled: no runs and no next runs; enabled again, runs missed meanwhile are not owed', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    const { engine } = await startEngine(clock, null, { serviceMs: () => 1_000 });
    engine.schedules.create(scheduleRequest({ name: 'paused', cron: '* * * * *', enabled: false }), LOCAL_CREATOR);
    expect(engine.schedules.get('paused').nextRuns).toEqual([]);
    await advanceTo(clock, at('2026-03-01T00:05:30Z'));
    expect(jobsOf(engine, 'paused')).toEqual([]);
    const enabled = engine.schedules.update({ name: 'paused', enabled: true }, LOCAL_CREATOR);
    expect(enabled.nextRuns[0]).toBe('2026-03-01T00:06:00+00:00');
    await advanceTo(clock, at('2026-03-01T00:06:30Z'));
    expect(jobsOf(engine, 'paused').map((j) => j.createdAt)).toEqual(['2026-03-01T00:06:00.000Z']);
  });

  test('run now makes one job whatever the overlap; the priority cap and a revoked owner are enforced', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    const { engine } = await startEngine(clock, null, { serviceMs: () => 600_000 });
    engine.tokens.create({ name: 'bob', role: 'member', maxPriority: 3 });
    const bob = { owner: 'bob', maxPriority: 3 };
    expect(() => engine.schedules.create(scheduleRequest({ name: 'too-high', cron: '* * * * *', job: { kind: 'chat', model: 'model-a', input: {}, priority: 7 } }), bob)).toThrow(
      expect.objectContaining({ code: 'priority_not_allowed' }),
    );
    const created = engine.schedules.create(scheduleRequest({ name: 'bobs', cron: '* * * * *' }), bob);
    // A ceiling below normal gets its ceiling.
    expect(created.job).toMatchObject({ priority: 3, lane: 'background' });
    const first = engine.schedules.runNow('bobs');
    const second = engine.schedules.runNow('bobs');
    expect([first.owner, second.owner, first.state, second.state]).toEqual(['bob', 'bob', 'queued', 'queued']);
    expect(engine.schedules.get('bobs')).toMatchObject({ lastJobId: second.id, runs: { manual: 2, fired: 0 } });

    engine.tokens.revoke('bob');
    engine.schedules.update({ name: 'bobs', overlap: 'queue' }, LOCAL_CREATOR);
    await advanceTo(clock, at('2026-03-01T00:01:30Z'));
    expect(engine.schedules.get('bobs')).toMatchObject({
      runs: { failed: 1, fired: 0 },
      lastError: { code: 'forbidden', message: 'the token of bob, who owns schedule bobs, was revoked' },
    });
    expect(jobsOf(engine, 'bobs')).toHaveLength(2);
  });
});

describe('what a schedule may run', () => {
  test('any request kind: each run is a job of that kind with the schedule\'s input', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    const sent = new Map<string, { kind: string; body: Record<string, unknown> }>();
    const { engine } = await startEngine(clock, null, {
      serviceMs: (request) => {
        sent.set(request.jobId, { kind: request.kind, body: request.body });
        return 1_000;
      },
    });
    const inputs = {
      embedding: { input: ['a chunk of the norms'] },
      completion: { prompt: 'Norms:' },
      responses: { input: 'Summarise the norms.' },
      'native-chat': { input: 'Summarise the norms.' },
      messages: { max_tokens: 64, messages: [{ role: 'user', content: 'Summarise the norms.' }] },
    } as const;
    for (const [kind, input] of Object.entries(inputs)) {
      engine.schedules.create(scheduleRequest({ name: `nightly-${kind}`, cron: '0 * * * *', job: { kind: kind as keyof typeof inputs, model: 'model-a', input } }), LOCAL_CREATOR);
    }
    await advanceTo(clock, at('2026-03-01T01:00:30Z'));
    for (const [kind, input] of Object.entries(inputs)) {
      const jobs = jobsOf(engine, `nightly-${kind}`);
      expect(jobs.map((j) => [j.kind, j.state])).toEqual([[kind, 'succeeded']]);
      expect(sent.get(jobs[0]!.id)).toEqual({ kind, body: expect.objectContaining(input) }); // what LM Studio was sent
    }
  });

  test('a job body every run would refuse is refused at creation and on change, naming the field', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    const { engine } = await startEngine(clock, null);
    expect(() => engine.schedules.create(scheduleRequest({ name: 'empty', cron: '0 3 * * *', job: { kind: 'chat', model: 'model-a', input: {} } }), LOCAL_CREATOR)).toThrow(
      expect.objectContaining({ code: 'bad_request', message: 'job.input.messages must be a non-empty array of chat messages' }),
    );
    expect(engine.schedules.list()).toEqual([]);
    engine.schedules.create(scheduleRequest({ name: 'good', cron: '0 3 * * *' }), LOCAL_CREATOR);
    expect(() => engine.schedules.update({ name: 'good', job: { kind: 'embedding', model: 'model-a', input: { text: 'x' } } }, LOCAL_CREATOR)).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^job\.input\.input must be/) }),
    );
    expect(engine.schedules.get('good').job.kind).toBe('chat');
  });

  test('runs stay within the owner\'s queued-jobs limit: past it a run makes no job, and says why', async () => {
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    const { engine } = await startEngine(clock, null);
    engine.setPaused(true); // the jobs stay queued
    engine.tokens.create({ name: 'bob', role: 'member', maxPriority: 5, maxQueued: 1 });
    engine.schedules.create(scheduleRequest({ name: 'bobs', cron: '* * * * *', overlap: 'queue' }), { owner: 'bob', maxPriority: 5 });
    await advanceTo(clock, at('2026-03-01T00:02:30Z'));
    expect(jobsOf(engine, 'bobs').map((j) => [j.owner, j.state])).toEqual([['bob', 'queued']]);
    expect(engine.schedules.get('bobs')).toMatchObject({
      runs: { fired: 1, failed: 1 },
      lastError: { code: 'too_many_queued', message: 'bob already has 1 queued jobs (limit 1)' },
    });
  });
});

describe('across restarts (same data directory)', () => {
  test('a restart right after a fire does not fire that time again, even with catch-up on', async () => {
    const dataDir = tempDataDir();
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    let { engine } = await startEngine(clock, dataDir);
    engine.schedules.create(scheduleRequest({ name: 'minutely', cron: '* * * * *', catchUp: 'once', overlap: 'queue' }), LOCAL_CREATOR);
    await advanceTo(clock, at('2026-03-01T00:01:00Z'));
    expect(jobsOf(engine, 'minutely')).toHaveLength(1);
    await engine.close({ graceMs: 0 });

    ({ engine } = await startEngine(clock, dataDir));
    await advanceTo(clock, at('2026-03-01T00:01:59Z'));
    expect(jobsOf(engine, 'minutely').map((j) => j.createdAt)).toEqual(['2026-03-01T00:01:00.000Z']);
    await advanceTo(clock, at('2026-03-01T00:02:00Z'));
    expect(jobsOf(engine, 'minutely')).toHaveLength(2);
    expect(engine.schedules.get('minutely').runs.fired).toBe(2);
  });

  test('catch-up once runs the missed time once at start; none runs nothing until the next time', async () => {
    const dataDir = tempDataDir();
    const clock = new FakeClock(at('2026-03-01T00:30:00Z'));
    let { engine } = await startEngine(clock, dataDir, { serviceMs: () => 1_000 });
    engine.schedules.create(scheduleRequest({ name: 'once', cron: '0 * * * *', catchUp: 'once' }), LOCAL_CREATOR);
    engine.schedules.create(scheduleRequest({ name: 'none', cron: '0 * * * *' }), LOCAL_CREATOR);
    await engine.close({ graceMs: 0 });

    // Stopped through five run times (01:00 to 05:00).
    clock.advanceTo(at('2026-03-01T05:30:00Z'));
    ({ engine } = await startEngine(clock, dataDir, { serviceMs: () => 1_000 }));
    expect(jobsOf(engine, 'once').map((j) => j.createdAt)).toEqual(['2026-03-01T05:30:00.000Z']);
    expect(jobsOf(engine, 'none')).toEqual([]);
    expect(engine.schedules.get('none').runs).toMatchObject({ fired: 0, missed: 1 });
    await advanceTo(clock, at('2026-03-01T06:00:00Z'));
    expect(jobsOf(engine, 'once')).toHaveLength(2);
    expect(jobsOf(engine, 'none').map((j) => j.createdAt)).toEqual(['2026-03-01T06:00:00.000Z']);
  });

  test('schedules, their counts and their last job survive a restart', async () => {
    const dataDir = tempDataDir();
    const clock = new FakeClock(at('2026-03-01T00:00:30Z'));
    let { engine } = await startEngine(clock, dataDir, { serviceMs: () => 1_000 });
    engine.schedules.create(scheduleRequest({ name: 'kept', cron: '*/10 * * * * *', timezone: 'Asia/Tokyo' }), LOCAL_CREATOR);
    await advanceTo(clock, at('2026-03-01T00:01:00Z'));
    const before = engine.schedules.get('kept');
    await engine.close({ graceMs: 0 });
    ({ engine } = await startEngine(clock, dataDir));
    expect(engine.schedules.list()).toEqual([before]);
    expect(before).toMatchObject({ timezone: 'Asia/Tokyo', runs: { fired: 3 }, nextRuns: expect.arrayContaining(['2026-03-01T09:01:10+09:00']) });
  });
});
