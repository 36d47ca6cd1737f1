/**
 * A parent job as the API shows it: its state is stored, but its progress ("312 of 2,000
 * requests"), its ETA (the forecast finish of its last child) and its children's counts come
 * from its children.
 */
import type { ChildCounts, Job, JobEta, JobProgress, ParentKind } from '../../../shared/job';
import type { Place } from '../eta/forecaster';

/** What a parent's children are, in words. */
const CHILD_NOUN: Record<ParentKind, string> = { batch: 'requests', index: 'embedding requests' };

export interface ParentTimes {
  /** The first queued child's place, and the one expected to finish last (null: none queued). */
  first: Place | null;
  last: Place | null;
  /** When its running children are expected to be done (null: none running). */
  runningFinishAt: number | null;
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 100) / 10);

function progressOf(job: Job, kind: ParentKind, counts: ChildCounts, sealed: boolean): JobProgress {
  const done = counts.succeeded + counts.failed + counts.canceled;
  const total = counts.total;
  const noun = CHILD_NOUN[kind];
  // While children are still being added the total is a floor.
  const message = `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}${sealed ? '' : '+'} ${noun}`;
  const fraction = total === 0 ? (job.state === 'succeeded' ? 1 : 0) : done / total;
  const stage = job.state === 'queued' || job.state === 'running' ? (sealed ? job.state : 'adding') : job.progress.stage;
  return { fraction: sealed || done < total ? fraction : Math.min(fraction, 0.99), stage, message };
}

function etaOf(job: Job, times: ParentTimes, now: number): JobEta | null {
  if (job.state !== 'queued' && job.state !== 'running') return null;
  const { first, last, runningFinishAt } = times;
  if (first === null && runningFinishAt === null) return null;
  const started = job.state === 'running' || runningFinishAt !== null;
  const finishAt = Math.max(last?.finishAt ?? -Infinity, runningFinishAt ?? -Infinity);
  const finishHighAt = Math.max(last?.finishHighAt ?? -Infinity, runningFinishAt ?? -Infinity);
  const at = (ms: number): number => seconds(ms - now);
  return {
    startsInSeconds: started || !first ? 0 : at(first.startAt),
    finishesInSeconds: at(finishAt),
    startsInSecondsLow: started || !first ? 0 : at(first.startLowAt),
    startsInSecondsHigh: started || !first ? 0 : at(first.startHighAt),
    finishesInSecondsHigh: at(finishHighAt),
  };
}

/** `job` is the parent's row as any job is shown; this fills in what its children say. */
export function parentJobView(job: Job, kind: ParentKind, counts: ChildCounts, sealed: boolean, times: ParentTimes, now: number): Job {
  return { ...job, position: null, eta: etaOf(job, times, now), progress: progressOf(job, kind, counts, sealed), children: { ...counts } };
}
