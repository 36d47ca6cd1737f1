/**
 * A schedule's next run times from its cron and zone, as the engine computes them (croner, the
 * zone's DST rules): the Schedules form shows them live while the expression is typed.
 */
import { Cron } from 'croner';
import { cronProblem, isTimeZone } from './schedule';

export type SchedulePreview =
  | { ok: true; runs: string[] }
  | { ok: false; field: 'cron' | 'timezone'; message: string };

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(timezone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    offsetFormats.set(timezone, format);
  }
  return format;
}

/** `2026-03-29T03:00:00+02:00`: the wall time in `timezone` with its offset at that instant. */
export function isoInZone(ms: number, timezone: string): string {
  const parts = Object.fromEntries(offsetFormat(timezone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const offset = /GMT([+-]\d\d:\d\d)/.exec(parts.timeZoneName ?? '')?.[1] ?? '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** The next `count` runs after `after` (ISO with the zone's offset), or what is wrong, naming the field. */
export function previewSchedule(cron: string, timezone: string, count: number, after: number): SchedulePreview {
  const problem = cronProblem(cron);
  if (problem !== null) return { ok: false, field: 'cron', message: problem };
  if (!isTimeZone(timezone.trim())) return { ok: false, field: 'timezone', message: 'not an IANA time zone (e.g. Europe/Berlin, UTC)' };
  const zone = timezone.trim();
  const runs = new Cron(cron.trim(), { timezone: zone, paused: true }).nextRuns(count, new Date(after));
  return { ok: true, runs: runs.map((date) => isoInZone(date.getTime(), zone)) };
}
