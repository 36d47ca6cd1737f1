/**
 * A job whose runAt is weeks ahead: Node's timers hold 32 bits, so the dispatcher must never ask
 * for a longer wait (it would fire at once, every millisecond), yet the job still runs on time.
 */
import { afterEach, expect, test } from 'vitest';
import { MAX_TIMER_MS } from './clock';
import { startHarness, type Harness } from './testing/engine-harness';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.close({ graceMs: 0 });
  harness = undefined;
});

const DAY_MS = 86_400_000;

test('a runAt 60 days ahead waits through timers no longer than 2^31-1 ms and runs on the day', async () => {
  harness = await startHarness();
  const { engine, clock } = harness;
  const asked: number[] = [];
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => (asked.push(ms), setTimeout(fn, ms));
  const runAt = clock.now() + 60 * DAY_MS;
  const job = engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'later' }] }, runAt }, { owner: 'alice' });
  await harness.step(59 * DAY_MS);
  expect(engine.get(job.id).state).toBe('queued');
  await harness.runUntil(() => engine.get(job.id).state === 'succeeded');
  const lateMs = Date.parse(engine.get(job.id).startedAt!) - runAt;
  expect(lateMs).toBeGreaterThanOrEqual(0);
  expect(lateMs).toBeLessThan(5_000);
  expect(Math.max(...asked)).toBeLessThanOrEqual(MAX_TIMER_MS);
  // 60 days is 2.4 full-length timers: a handful of wakes, not one per millisecond.
  expect(asked.filter((ms) => ms === MAX_TIMER_MS).length).toBeLessThan(10);
});

test('a runAt past what a Date can hold is refused with a reason', async () => {
  harness = await startHarness();
  expect(() =>
    harness!.engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'x' }] }, runAt: 9e15 }, { owner: 'alice' }),
  ).toThrow(/runAt must be a date a JavaScript Date can hold/);
});
