/**
 * Schedules over a bare store: a kill -9 at the moment of firing (`abandon()` drops the
 * connection the way a killed process does, leaving the open write batch uncommitted), a write
 * failing mid-fire, waits past setTimeout's limit, an unreadable stored schedule.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { newJob } from '../store/testing/store-fixtures';
import { LOCAL_CREATOR, at, openBareSchedules as open, scheduleRequest, tempDataDir } from './testing/schedule-fixtures';

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
