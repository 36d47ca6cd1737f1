import { isEmbeddingKind, type Job, type JobEta, type JobProgress } from '../../shared/job';
import { expectedTokens, remainingMs } from './eta/running-estimate';
import type { Place } from './eta/forecaster';
import type { RunningJob } from './scheduler/running-job';
import type { JobRecord } from './store/job-record';

export interface LiveState {
  /** A queued job's place in the latest forecast. */
  place: Place | null;
  run: RunningJob | undefined;
  /** Position to show for a queued job the forecast has not placed yet. */
  provisionalPosition: number;
  provisionalStartAt: number;
  now: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** Milliseconds as seconds to a tenth, never negative; `round` says which way. */
const seconds = (ms: number, round: (x: number) => number = Math.round): number => Math.max(0, round(ms / 100) / 10);

function progressOf(record: JobRecord, live: LiveState, position: number | null): JobProgress {
  switch (record.state) {
    case 'queued':
      return {
        fraction: 0,
        stage: record.runAt !== null && record.runAt > live.now ? 'scheduled' : 'queued',
        message: position === null ? null : `position ${position}`,
      };
    case 'running': {
      const run = live.run;
      if (!run) return { fraction: null, stage: 'running', message: null };
      if (isEmbeddingKind(run.entry.kind)) return { fraction: null, stage: 'embedding', message: null };
      const expected = expectedTokens(run);
      if (run.tokens === 0 && run.stage) {
        const percent = Math.round(run.stage.fraction * 100);
        const stage = run.stage.name === 'model_load' ? 'loading model' : 'prompt';
        return { fraction: 0, stage, message: `${stage === 'prompt' ? 'reading the prompt' : 'loading the model'}: ${percent}%`, tokens: 0 };
      }
      const fraction = run.tokens === 0 ? 0 : Math.min(0.99, run.tokens / expected);
      return {
        fraction,
        stage: run.tokens === 0 ? 'prompt' : 'generating',
        message: `${run.tokens} of ~${expected} tokens`,
        tokens: run.tokens,
      };
    }
    case 'succeeded':
      return { fraction: 1, stage: 'done', message: null };
    case 'failed':
      return { fraction: null, stage: 'failed', message: record.error?.message ?? null };
    case 'canceled':
      return { fraction: null, stage: 'canceled', message: record.error?.message ?? null };
  }
}

function runningEta(run: RunningJob, now: number): JobEta {
  const finishesIn = seconds(remainingMs(run, now));
  return { startsInSeconds: 0, finishesInSeconds: finishesIn, startsInSecondsLow: 0, startsInSecondsHigh: 0, finishesInSecondsHigh: finishesIn };
}

/** A forecast place as the API's ETA, in tenths of a second from `now`; the range's ends rounded outward. */
export function etaOfPlace(place: Place, now: number): JobEta {
  return {
    startsInSeconds: seconds(place.startAt - now),
    finishesInSeconds: seconds(place.finishAt - now),
    // A range's ends are rounded outward, so a start the forecast's range holds is inside the one shown.
    startsInSecondsLow: seconds(place.startLowAt - now, Math.floor),
    startsInSecondsHigh: seconds(place.startHighAt - now, Math.ceil),
    finishesInSecondsHigh: seconds(place.finishHighAt - now, Math.ceil),
  };
}

/** A stored job plus what only memory knows (position, ETA, progress) → the API's job. */
export function toJobView(record: JobRecord, live: LiveState): Job {
  let position: number | null = null;
  let eta: JobEta | null = null;
  if (record.state === 'queued') {
    const place = live.place;
    if (place) {
      position = place.position;
      eta = etaOfPlace(place, live.now);
    } else {
      position = live.provisionalPosition;
      const startsIn = seconds(live.provisionalStartAt - live.now);
      // A quick place until the next forecast: no range is known yet.
      eta = { startsInSeconds: startsIn, finishesInSeconds: startsIn, startsInSecondsLow: startsIn, startsInSecondsHigh: startsIn, finishesInSecondsHigh: startsIn };
    }
  } else if (record.state === 'running' && live.run) {
    eta = runningEta(live.run, live.now);
  }
  return {
    id: record.id,
    kind: record.kind,
    model: record.model,
    owner: record.owner,
    priority: record.priority,
    lane: record.lane,
    state: record.state,
    position,
    eta,
    progress: progressOf(record, live, position),
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    createdAt: iso(record.createdAt)!,
    runAt: iso(record.runAt),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    error: record.error,
    usage: record.usage,
    metadata: record.metadata,
    parentId: record.parentId,
    childIndex: record.childIndex,
    children: null,
  };
}
