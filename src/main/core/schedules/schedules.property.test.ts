/**
 * Property: over any timeline of running, clean restarts and kills (the connection dropped as a
 * killed process leaves it), stops of any length, at any instant (a run time itself included),
 * each run time while LM Queue is up makes exactly one job, at that time; a start after runs were
 * missed makes one job (catch-up once) or counts them missed (none); nothing else makes a job.
 * Zones with DST, the clock starting near a change.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { FakeClock } from '../testing/fake-clock';
import { latestRunBetween, nextRunAfter } from './cron-plan';
import { LOCAL_CREATOR, at, openBareSchedules, scheduleRequest, tempDataDir } from './testing/schedule-fixtures';

const MINUTE = 60_000;
const CRONS = ['*/30 * * * * *', '* * * * *', '*/7 * * * *', '17 * * * *', '30 2 * * *', '0 */3 * * *'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
/** Just before the spring change in Europe (29 March) and after North America's (8 March). */
const STARTS = [at('2026-03-28T23:30:00Z'), at('2026-03-29T00:55:00Z'), at('2026-11-01T05:30:00Z')];

type Step =
  | { kind: 'run'; ms: number }
  /** Runs to the next run time exactly (and fires it): a stop that follows lands on the moment of firing. */
  | { kind: 'toNextRun' }
  | { kind: 'stop'; how: 'clean' | 'kill'; downMs: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('run' as const), ms: fc.integer({ min: 0, max: 150 * MINUTE }) }),
  fc.constant({ kind: 'toNextRun' as const }),
  fc.record({ kind: fc.constant('stop' as const), how: fc.constantFrom('clean' as const, 'kill' as const), downMs: fc.integer({ min: 0, max: 240 * MINUTE }) }),
);

test('each run time while up makes one job, each start after missed runs one job or one missed count, across any restarts and kills', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CRONS),
      fc.constantFrom(...ZONES),
      fc.constantFrom('none' as const, 'once' as const),
      fc.constantFrom(...STARTS),
      fc.array(step, { maxLength: 8 }),
      (cron, timezone, catchUp, start, steps) => {
        const spec = { cron, timezone };
        const path = join(tempDataDir(), 'lmqueue.db');
        const clock = new FakeClock(start);
        let open = openBareSchedules(path, clock);
        open.schedules.create(scheduleRequest({ name: 's', cron, timezone, overlap: 'queue', catchUp }), LOCAL_CREATOR);
        open.schedules.start();

        // The model: what should have been made, from the cron's times and the timeline alone.
        const expected: number[] = [];
        let expectedMissed = 0;
        let handled = start;
        const runUpTo = (to: number): void => {
          for (let t = nextRunAfter(spec, handled); t !== null && t <= to; t = nextRunAfter(spec, t)) {
            expected.push(t);
            handled = t;
          }
        };

        for (const s of steps) {
          if (s.kind === 'run') {
            const to = clock.now() + s.ms;
            runUpTo(to);
            clock.advanceTo(to);
          } else if (s.kind === 'toNextRun') {
            const next = nextRunAfter(spec, clock.now());
            if (next === null) continue;
            runUpTo(next);
            clock.advanceTo(next);
          } else {
            open.schedules.stop();
            if (s.how === 'kill') open.store.abandon();
            else void open.store.close();
            clock.advanceTo(clock.now() + s.downMs);
            const now = clock.now();
            const missed = latestRunBetween(spec, handled, now);
            if (missed !== null) {
              if (catchUp === 'once') expected.push(now);
              else expectedMissed++;
              handled = missed;
            }
            open = openBareSchedules(path, clock);
            open.schedules.start();
          }
        }

        expect(open.fireTimes('s')).toEqual(expected);
        expect(open.schedules.get('s').runs).toMatchObject({ fired: expected.length, missed: expectedMissed, skipped: 0, failed: 0 });
        open.schedules.stop();
        void open.store.close();
      },
    ),
    { numRuns: 60 },
  );
}, 120_000);
