/**
 * When a schedule runs: croner reads the expression in the schedule's zone (DST included: a
 * local time that does not exist runs at the next one that does; a repeated one runs once).
 * Pure functions of epoch milliseconds, so the timers and the tests agree on one answer.
 */
import { Cron } from 'croner';

export interface CronSpec {
  cron: string;
  timezone: string;
}

function cronOf(spec: CronSpec): Cron {
  return new Cron(spec.cron, { timezone: spec.timezone, paused: true });
}

/** The next `count` run times strictly after `after`. */
export function nextRunsAfter(spec: CronSpec, after: number, count: number): number[] {
  return cronOf(spec)
    .nextRuns(count, new Date(after))
    .map((date) => date.getTime());
}

export function nextRunAfter(spec: CronSpec, after: number): number | null {
  return nextRunsAfter(spec, after, 1)[0] ?? null;
}

/** The latest run time in (after, upTo], or null when none falls there. */
export function latestRunBetween(spec: CronSpec, after: number, upTo: number): number | null {
  // previousRuns answers times strictly before its reference.
  const latest = cronOf(spec).previousRuns(1, new Date(upTo + 1))[0]?.getTime();
  return latest !== undefined && latest > after ? latest : null;
}

/** One formatting of zoned times for the engine and the Schedules form's preview. */
export { isoInZone } from '../../../shared/schedule-preview';

/** The zone this host runs in, for schedules created without one. */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
