/**
 * LM Studio as the queue sees it, plus what the LM Studio tab charts: samples of throughput
 * and queue length the renderer keeps for the last hour, and recent errors.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BackendState } from '../../../shared/backend';
import type { Bridge } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import type { QueueCounts } from '../../../shared/queue';
import { jobIdTail } from '../format/job-id';

export interface LoadSample {
  /** Seconds since the epoch (uPlot's x unit). */
  t: number;
  queued: number;
  running: number;
  /** Generated tokens per second, averaged over the last minute of finished jobs. */
  tokensPerSecond: number;
}

export interface RecentError {
  at: number;
  source: string;
  message: string;
}

export interface BackendStoreState {
  backend: BackendState | null;
  samples: LoadSample[];
  errors: RecentError[];
}

export interface BackendController {
  readonly store: StoreApi<BackendStoreState>;
  load(): Promise<void>;
  setBackend(state: BackendState): void;
  onCounts(counts: QueueCounts): void;
  onJob(job: Job): void;
  /** Records a sample now (a timer calls this; so does every counts change, at most once a second). */
  sample(): void;
}

export const SAMPLE_WINDOW_MS = 3_600_000;
const THROUGHPUT_WINDOW_MS = 60_000;
const MIN_SAMPLE_GAP_MS = 1_000;
const MAX_ERRORS = 20;

export function createBackendController(bridge: Pick<Bridge, 'invoke'>, now: () => number = Date.now): BackendController {
  const store = createStore<BackendStoreState>(() => ({ backend: null, samples: [], errors: [] }));
  let counts: QueueCounts | null = null;
  let lastSampleAt = -Infinity;
  /** Finished jobs of the last minute: [finishedAt, completionTokens]. */
  let finished: Array<[number, number]> = [];
  const seenFinished = new Set<string>();

  const addError = (error: RecentError): void => {
    const errors = [error, ...store.getState().errors].sort((a, b) => b.at - a.at);
    store.setState({ errors: errors.slice(0, MAX_ERRORS) });
  };

  const tokensPerSecond = (at: number): number => {
    finished = finished.filter(([when]) => at - when <= THROUGHPUT_WINDOW_MS);
    const tokens = finished.reduce((sum, [, n]) => sum + n, 0);
    return Math.round((tokens / (THROUGHPUT_WINDOW_MS / 1000)) * 10) / 10;
  };

  const controller: BackendController = {
    store,
    /** Reads LM Studio's state, and recent finished jobs so the rate and errors start filled in. */
    async load() {
      const [state, succeeded, failed] = await Promise.all([
        bridge.invoke('backend.state', {}),
        bridge.invoke('jobs.list', { state: 'succeeded', limit: 100 }).catch(() => null),
        bridge.invoke('jobs.list', { state: 'failed', limit: MAX_ERRORS }).catch(() => null),
      ]);
      controller.setBackend(state);
      for (const job of [...(succeeded?.jobs ?? []), ...(failed?.jobs ?? [])]) controller.onJob(job);
    },

    setBackend(next) {
      const previous = store.getState().backend;
      store.setState({ backend: next });
      const becameDown = next.status === 'down' && previous?.status !== 'down';
      const newError = next.lastError !== null && next.lastError !== previous?.lastError;
      if (becameDown || newError) {
        addError({ at: now(), source: 'LM Studio', message: next.lastError ?? `not reachable at ${next.url}` });
      }
    },

    onCounts(next) {
      counts = next;
      if (now() - lastSampleAt >= MIN_SAMPLE_GAP_MS) controller.sample();
    },

    onJob(job) {
      if (job.state !== 'succeeded' && job.state !== 'failed') return;
      if (seenFinished.has(job.id)) return;
      seenFinished.add(job.id);
      if (seenFinished.size > 5_000) seenFinished.delete(seenFinished.values().next().value!);
      const at = job.finishedAt ? Date.parse(job.finishedAt) : now();
      if (job.state === 'succeeded') finished.push([Number.isFinite(at) ? at : now(), job.usage?.completionTokens ?? 0]);
      else addError({ at, source: `job ${jobIdTail(job.id)} (${job.owner}, ${job.model})`, message: job.error?.message ?? 'failed' });
    },

    sample() {
      const at = now();
      lastSampleAt = at;
      const sample: LoadSample = {
        t: at / 1000,
        queued: counts?.queued ?? 0,
        running: counts?.running ?? 0,
        tokensPerSecond: tokensPerSecond(at),
      };
      const samples = store.getState().samples.filter((s) => at - s.t * 1000 <= SAMPLE_WINDOW_MS);
      samples.push(sample);
      store.setState({ samples });
    },
  };
  return controller;
}

const NO_MODELS: BackendState['models'] = [];
/** A stable selector result (zustand re-renders forever on a fresh `[]` each call). */
export const selectModels = (state: BackendStoreState): BackendState['models'] => state.backend?.models ?? NO_MODELS;
