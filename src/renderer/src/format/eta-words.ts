import type { Job } from '../../../shared/job';
import { durationInWords } from './durations';

/** A range is worth saying when its upper end is this much later than the point, and by this many seconds. */
const RANGE_RATIO = 1.25;
const RANGE_MIN_SECONDS = 5;

/**
 * A job's ETA in words, counted down from when the UI received it: "starts in ~12 s" for a
 * queued job ("starts in ~12 s, up to 40 s" where the forecast is uncertain), "done in ~8 s" for
 * a running one. `elapsedSeconds` is the time since receipt.
 */
export function etaInWords(job: Pick<Job, 'state' | 'eta' | 'runAt'>, elapsedSeconds = 0): string {
  switch (job.state) {
    case 'queued': {
      if (!job.eta) return 'waiting for an estimate';
      const startsIn = job.eta.startsInSeconds - elapsedSeconds;
      const upTo = job.eta.startsInSecondsHigh - elapsedSeconds;
      const wide = upTo >= startsIn * RANGE_RATIO && upTo - startsIn >= RANGE_MIN_SECONDS;
      const range = wide ? `, up to ${durationInWords(upTo)}` : '';
      if (startsIn < 1) return `starts any moment${range}`;
      return `starts in ~${durationInWords(startsIn)}${range}`;
    }
    case 'running': {
      if (!job.eta) return 'running';
      const finishesIn = job.eta.finishesInSeconds - elapsedSeconds;
      if (finishesIn < 1) return 'finishing';
      return `done in ~${durationInWords(finishesIn)}`;
    }
    case 'succeeded':
      return 'done';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
  }
}

/** Progress as a whole percentage for `aria-valuenow`: queued 0, finished 100, unknown 0. */
export function progressPercent(job: Pick<Job, 'state' | 'progress'>): number {
  if (job.state === 'succeeded') return 100;
  const fraction = job.progress.fraction;
  if (fraction === null || !Number.isFinite(fraction)) return 0;
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}
