/**
 * LM Studio as the queue sees it, and recent errors (LM Studio's and failed jobs'). The load
 * charts come from the server's record of the last hour (throughput-store.ts).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BackendState } from '../../../shared/backend';
import type { Bridge } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import { jobIdTail } from '../format/job-id';

export interface RecentError {
  at: number;
  source: string;
  message: string;
}

export interface BackendStoreState {
  backend: BackendState | null;
  errors: RecentError[];
}

export interface BackendController {
  readonly store: StoreApi<BackendStoreState>;
  load(): Promise<void>;
  setBackend(state: BackendState): void;
  onJob(job: Job): void;
}

const MAX_ERRORS = 20;

export function createBackendController(bridge: Pick<Bridge, 'invoke'>, now: () => number = Date.now): BackendController {
  const store = createStore<BackendStoreState>(() => ({ backend: null, errors: [] }));
  const seenFailed = new Set<string>();

  const addError = (error: RecentError): void => {
    const errors = [error, ...store.getState().errors].sort((a, b) => b.at - a.at);
    store.setState({ errors: errors.slice(0, MAX_ERRORS) });
  };

  const controller: BackendController = {
    store,
    /** Reads LM Studio's state, and recently failed jobs so the errors start filled in. */
    async load() {
      const [state, failed] = await Promise.all([
        bridge.invoke('backend.state', {}),
        bridge.invoke('jobs.list', { state: 'failed', limit: MAX_ERRORS }).catch(() => null),
      ]);
      controller.setBackend(state);
      for (const job of failed?.jobs ?? []) controller.onJob(job);
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

    onJob(job) {
      if (job.state !== 'failed' || seenFailed.has(job.id)) return;
      seenFailed.add(job.id);
      if (seenFailed.size > 5_000) seenFailed.delete(seenFailed.values().next().value!);
      const at = job.finishedAt ? Date.parse(job.finishedAt) : now();
      addError({ at: Number.isFinite(at) ? at : now(), source: `job ${jobIdTail(job.id)} (${job.owner}, ${job.model})`, message: job.error?.message ?? 'failed' });
    },
  };
  return controller;
}

const NO_MODELS: BackendState['models'] = [];
/** A stable selector result (zustand re-renders forever on a fresh `[]` each call). */
export const selectModels = (state: BackendStoreState): BackendState['models'] => state.backend?.models ?? NO_MODELS;
