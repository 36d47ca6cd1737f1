import { describe, expect, test } from 'vitest';
import { CreateScheduleSchema, cronProblem } from '../../../shared/schedule';
import { isoInZone, latestRunBetween, nextRunsAfter } from './cron-plan';

const at = (iso: string) => Date.parse(iso);
const inZone = (times: number[], zone: string) => times.map((ms) => isoInZone(ms, zone));

describe('run times', () => {
  test('the next runs of a daily 5-field expression, in its zone, with the offset', () => {
    const runs = nextRunsAfter({ cron: '0 3 * * *', timezone: 'America/New_York' }, at('2026-01-10T12:00:00Z'), 3);
    expect(inZone(runs, 'America/New_York')).toEqual(['2026-01-11T03:00:00-05:00', '2026-01-12T03:00:00-05:00', '2026-01-13T03:00:00-05:00']);
  });

  test('6 fields: seconds first', () => {
    const runs = nextRunsAfter({ cron: '*/20 * * * * *', timezone: 'UTC' }, at('2026-01-01T00:00:00Z'), 3);
    expect(inZone(runs, 'UTC')).toEqual(['2026-01-01T00:00:20+00:00', '2026-01-01T00:00:40+00:00', '2026-01-01T00:01:00+00:00']);
  });

  test('Berlin springs forward on the last Sunday of March: 02:30 does not exist that day and runs at 03:00 CEST', () => {
    const spec = { cron: '30 2 * * *', timezone: 'Europe/Berlin' };
    const runs = nextRunsAfter(spec, at('2026-03-27T12:00:00Z'), 4);
    expect(inZone(runs, 'Europe/Berlin')).toEqual([
      '2026-03-28T02:30:00+01:00',
      '2026-03-29T03:00:00+02:00',
      '2026-03-30T02:30:00+02:00',
      '2026-03-31T02:30:00+02:00',
    ]);
    // One hour after the day before, not 24.
    expect(runs[1]! - runs[0]!).toBe(23.5 * 3_600_000);
  });

  test('Berlin falls back on the last Sunday of October: 02:30 happens twice and runs once', () => {
    const runs = nextRunsAfter({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, at('2026-10-24T12:00:00Z'), 3);
    expect(inZone(runs, 'Europe/Berlin')).toEqual(['2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00', '2026-10-27T02:30:00+01:00']);
  });

  test('the latest run in a window, or none', () => {
    const spec = { cron: '0 * * * *', timezone: 'UTC' };
    expect(latestRunBetween(spec, at('2026-01-01T00:00:00Z'), at('2026-01-01T05:30:00Z'))).toBe(at('2026-01-01T05:00:00Z'));
    // The upper end is included, the lower excluded.
    expect(latestRunBetween(spec, at('2026-01-01T04:00:00Z'), at('2026-01-01T05:00:00Z'))).toBe(at('2026-01-01T05:00:00Z'));
    expect(latestRunBetween(spec, at('2026-01-01T05:00:00Z'), at('2026-01-01T05:59:59Z'))).toBeNull();
  });
});

describe('validation names the field', () => {
  const base = { name: 'nightly', job: { kind: 'chat', model: 'm', input: {} } };

  test('5 or 6 fields, croner syntax, a date that exists', () => {
    expect(cronProblem('0 3 * * *')).toBeNull();
    expect(cronProblem('0 0 3 * * *')).toBeNull();
    expect(cronProblem('* * * *')).toMatch(/expected 5 fields .* got 4/);
    expect(cronProblem('0 0 0 1 1 * 2030')).toMatch(/got 7/);
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('0 0 30 2 *')).toMatch(/never fires/);
  });

  test('a bad expression is an issue at cron, a bad zone at timezone', () => {
    const badCron = CreateScheduleSchema.safeParse({ ...base, cron: 'every day' });
    expect(badCron.error?.issues.map((i) => i.path.join('.'))).toEqual(['cron']);
    const badZone = CreateScheduleSchema.safeParse({ ...base, cron: '0 3 * * *', timezone: 'Mars/Olympus' });
    expect(badZone.error?.issues.map((i) => i.path.join('.'))).toEqual(['timezone']);
    expect(CreateScheduleSchema.parse({ ...base, cron: '0 3 * * *', timezone: 'Europe/Berlin' })).toMatchObject({
      enabled: true,
      overlap: 'skip',
      catchUp: 'none',
    });
  });
});
