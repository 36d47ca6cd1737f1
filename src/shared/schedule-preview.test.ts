import { describe, expect, it } from 'vitest';
import { previewSchedule } from './schedule-preview';

const at = (iso: string) => Date.parse(iso);

describe('previewSchedule (the Schedules form\'s live preview)', () => {
  it('lists the next runs in the schedule\'s zone with its offset, across a DST change', () => {
    expect(previewSchedule('30 2 * * *', 'Europe/Berlin', 3, at('2026-03-27T12:00:00Z'))).toEqual({
      ok: true,
      // 02:30 does not exist on 29 March in Berlin: croner runs it when the clocks jump, at 03:00.
      runs: ['2026-03-28T02:30:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-30T02:30:00+02:00'],
    });
    expect(previewSchedule('*/20 * * * * *', 'UTC', 2, at('2026-01-01T00:00:05Z'))).toEqual({
      ok: true,
      runs: ['2026-01-01T00:00:20+00:00', '2026-01-01T00:00:40+00:00'],
    });
  });

  it('names the field that is wrong', () => {
    expect(previewSchedule('0 3 * *', 'UTC', 5, 0)).toEqual({ ok: false, field: 'cron', message: 'expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 4' });
    expect(previewSchedule('61 3 * * *', 'UTC', 5, 0)).toMatchObject({ ok: false, field: 'cron' });
    expect(previewSchedule('0 3 * * *', 'Mars/Olympus', 5, 0)).toEqual({ ok: false, field: 'timezone', message: 'not an IANA time zone (e.g. Europe/Berlin, UTC)' });
  });
});
