/**
 * Schedules over a bare store: a kill -9 at the moment of firing (`abandon()` drops the
 * connection the way a killed process does, leaving the open write batch uncommitted), a write
 * failing mid-fire, waits past setTimeout's limit, an unreadable stored schedule.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Job, SubmitJobRequest } from '../../../shared/job';
import { FakeClock } from '../testing/fake-clock';
import { JobStore } from '../store/job-store';
import { newJob } from '../store/testing/store-fixtures';
import { TokenStore } from '../store/token-store';
import { Schedules } from './schedules';
import { LOCAL_CREATOR, at, scheduleRequest, tempDataDir } from './testing/schedule-fixtures';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** Schedules over a bare JobStore: a submission is the job's insert, nothing more. */
function open(path: string, clock: FakeClock, options: { failAfterInsert?: () => boolean } = {}) {
  const store = new JobStore({ path });
  const tokens = new TokenStore(store.db);
  const submit = (request: SubmitJobRequest): Job => {
    const record = store.insert(
      newJob({ model: request.model, createdAt: clock.now(), metadata: request.metadata ?? null, lane: request.lane ?? 'interactive' }),
    );
    // The write after the insert fails (disk full, I/O error): the transaction must take the job back too.
    if (options.failAfterInsert?.()) throw new Error('disk I/O error');
    return { id: record.id } as Job;
  };
  const schedules = new Schedules({
    db: store.db,
    transaction: (fn) => store.transaction(fn),
    submit,
    jobState: (id) => store.getById(id)?.state ?? null,
    tokens: () => tokens,
    clock,
    logger: silent,
  });
  const fireTimes = (name: string): number[] =>
    (store.db.prepare(`SELECT created_at FROM jobs WHERE json_extract(metadata, '$.schedule') = ? ORDER BY seq`).all(name) as { created_at: number }[]).map(
      (row) => row.created_at,
    );
  return { store, schedules, fireTimes };
}

describe('never twice for one time, across a kill -9 at the moment of firing', () => {
  const request = scheduleRequest({ name: 'nightly', cron: '0 3 * * *', catchUp: 'once', overlap: 'queue' });

  test('killed right after the fire committed: the restart does not fire that time again', () => {
    const path = join(tempDataDir(), 'lmqueue.db');
    const clock = new FakeClock(at('2026-03-01T02:59:00Z'));
    const first = open(path, clock);
    first.schedules.create(request, LOCAL_CREATOR);
    first.store.commitPending();
    first.schedules.start();
    clock.advanceTo(at('2026-03-01T03:00:00Z'));
    expect(first.fireTimes('nightly')).toEqual([at('2026-03-01T03:00:00Z')]);
    first.store.abandon();

    clock.advanceTo(at('2026-03-01T03:00:05Z'));
    const second = open(path, clock);
    second.schedules.start();
    expect(second.fireTimes('nightly')).toEqual([at('2026-03-01T03:00:00Z')]);
    second.schedules.stop();
    void second.store.close();
  });

  test('killed before the fire committed: neither the job nor the fire is on disk, and catch-up fires it once', () => {
    const path = join(tempDataDir(), 'lmqueue.db');
    const clock = new FakeClock(at('2026-03-01T02:59:00Z'));
    const first = open(path, clock);
    first.schedules.create(request, LOCAL_CREATOR);
    first.store.commitPending();
    first.schedules.start();
    // Another submission in this turn opened the write batch; the fire joins it.
    first.store.insert(newJob());
    clock.advanceTo(at('2026-03-01T03:00:00Z'));
    expect(first.fireTimes('nightly')).toHaveLength(1);
    first.store.abandon();

    clock.advanceTo(at('2026-03-01T03:00:05Z'));
    const second = open(path, clock);
    expect(second.fireTimes('nightly')).toEqual([]);
    second.schedules.start();
    expect(second.fireTimes('nightly')).toEqual([at('2026-03-01T03:00:05Z')]);
    expect(second.schedules.get('nightly').runs.fired).toBe(1);
    second.schedules.stop();
    void second.store.close();
  });

  test('a write failing between the job insert and the fire record takes both back; the retry makes one job', () => {
    const path = join(tempDataDir(), 'lmqueue.db');
    const clock = new FakeClock(at('2026-03-01T02:59:00Z'));
    let failures = 1;
    const { store, schedules, fireTimes } = open(path, clock, { failAfterInsert: () => failures-- > 0 });
    schedules.create(request, LOCAL_CREATOR);
    schedules.start();
    clock.advanceTo(at('2026-03-01T03:00:00Z'));
    expect(fireTimes('nightly')).toEqual([]);
    expect(schedules.get('nightly').runs.fired).toBe(0);
    clock.advanceTo(at('2026-03-01T03:00:10Z'));
    expect(fireTimes('nightly')).toEqual([at('2026-03-01T03:00:05Z')]);
    clock.advanceTo(at('2026-03-02T03:00:10Z'));
    expect(fireTimes('nightly')).toHaveLength(2);
    schedules.stop();
    void store.close();
  });
});

test('a run months away waits in timers no longer than setTimeout takes (2^31-1 ms), and fires once', () => {
  const clock = new FakeClock(at('2026-03-01T00:00:00Z'));
  const delays: number[] = [];
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => {
    delays.push(ms);
    return setTimeout(fn, ms);
  };
  const { store, schedules, fireTimes } = open(join(tempDataDir(), 'lmqueue.db'), clock);
  schedules.create(scheduleRequest({ name: 'new-year', cron: '0 0 1 1 *' }), LOCAL_CREATOR);
  schedules.start();
  clock.advanceTo(at('2027-01-01T00:00:01Z'));
  expect(fireTimes('new-year')).toEqual([at('2027-01-01T00:00:00Z')]);
  expect(Math.max(...delays)).toBe(2 ** 31 - 1);
  expect(delays.length).toBeGreaterThan(10); // 306 days in ~24.8-day waits
  schedules.stop();
  void store.close();
});

test('a stored schedule that cannot be read is left out at start; the others run', () => {
  const clock = new FakeClock(at('2026-03-01T02:59:00Z'));
  const { store, schedules, fireTimes } = open(join(tempDataDir(), 'lmqueue.db'), clock);
  schedules.create(scheduleRequest({ name: 'good', cron: '0 3 * * *' }), LOCAL_CREATOR);
  schedules.create(scheduleRequest({ name: 'unreadable', cron: '0 3 * * *' }), LOCAL_CREATOR);
  store.db.prepare(`UPDATE schedules SET cron = 'not a cron' WHERE name = 'unreadable'`).run();
  expect(() => schedules.start()).not.toThrow();
  clock.advanceTo(at('2026-03-01T03:00:01Z'));
  expect(fireTimes('good')).toEqual([at('2026-03-01T03:00:00Z')]);
  schedules.stop();
  void store.close();
});
