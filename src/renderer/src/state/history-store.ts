/**
 * Finished jobs, newest first: one `jobs.list` query per finished state merged by creation
 * time (the list API filters one state at a time), with search, paging and a result view.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import { FINISHED_STATES, type Job, type JobState } from '../../../shared/job';
import { toBridgeError } from '../bridge/bridge-error';
import { searchTerm } from '../format/job-id';

export type HistoryStateFilter = 'finished' | 'succeeded' | 'failed' | 'canceled';

export interface HistoryState {
  jobs: Job[];
  stateFilter: HistoryStateFilter;
  search: string;
  loading: boolean;
  hasMore: boolean;
  error: string | null;
  selectedId: string | null;
  /** The selected job's OpenAI response body, once read. */
  result: { id: string; body: unknown } | { id: string; error: string } | null;
}

export interface HistoryController {
  readonly store: StoreApi<HistoryState>;
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(change: Partial<Pick<HistoryState, 'stateFilter' | 'search'>>): Promise<void>;
  select(id: string | null): Promise<void>;
  retry(id: string): Promise<Job>;
  /** A job finished (job.updated): show it at the top if it matches. */
  onJob(job: Job): void;
}

const PAGE = 50;

function statesFor(filter: HistoryStateFilter): JobState[] {
  return filter === 'finished' ? [...FINISHED_STATES] : [filter];
}

const newestFirst = (a: Job, b: Job): number => Date.parse(b.createdAt) - Date.parse(a.createdAt);

export function createHistoryController(bridge: Pick<Bridge, 'invoke'>): HistoryController {
  const store = createStore<HistoryState>(() => ({
    jobs: [],
    stateFilter: 'finished',
    search: '',
    loading: false,
    hasMore: false,
    error: null,
    selectedId: null,
    result: null,
  }));
  /** Next cursor per state; null when that state has no more; absent before the first read. */
  let cursors = new Map<JobState, string | null>();
  let generation = 0;

  async function read(fresh: boolean): Promise<void> {
    const { stateFilter, search } = store.getState();
    const mine = fresh ? ++generation : generation;
    if (fresh) cursors = new Map();
    const states = statesFor(stateFilter).filter((s) => !cursors.has(s) || cursors.get(s) !== null);
    store.setState({ loading: true, error: null });
    try {
      const pages = await Promise.all(
        states.map((state) =>
          bridge.invoke('jobs.list', { state, search: searchTerm(search) || undefined, limit: PAGE, cursor: cursors.get(state) ?? undefined }),
        ),
      );
      if (mine !== generation) return;
      states.forEach((state, i) => cursors.set(state, pages[i]!.nextCursor));
      const incoming = pages.flatMap((page) => page.jobs);
      const known = fresh ? [] : store.getState().jobs;
      const ids = new Set(known.map((job) => job.id));
      const jobs = [...known, ...incoming.filter((job) => !ids.has(job.id))].sort(newestFirst);
      store.setState({ jobs, loading: false, hasMore: [...cursors.values()].some((c) => c !== null) });
    } catch (reason) {
      if (mine === generation) store.setState({ loading: false, error: toBridgeError(reason).message });
    }
  }

  const controller: HistoryController = {
    store,
    reload: () => read(true),
    loadMore: () => read(false),

    setFilter(change) {
      store.setState(change);
      return read(true);
    },

    async select(id) {
      store.setState({ selectedId: id, result: null });
      if (id === null) return;
      const job = store.getState().jobs.find((j) => j.id === id);
      if (job?.state !== 'succeeded') return;
      try {
        const body = await bridge.invoke('jobs.result', { id });
        if (store.getState().selectedId === id) store.setState({ result: { id, body } });
      } catch (reason) {
        if (store.getState().selectedId === id) store.setState({ result: { id, error: toBridgeError(reason).message } });
      }
    },

    retry: (id) => bridge.invoke('jobs.retry', { id }),

    onJob(job) {
      if (!FINISHED_STATES.includes(job.state)) return;
      const { jobs, stateFilter, search } = store.getState();
      const index = jobs.findIndex((j) => j.id === job.id);
      if (index !== -1) {
        const next = jobs.slice();
        next[index] = job;
        store.setState({ jobs: next });
        return;
      }
      if (!statesFor(stateFilter).includes(job.state)) return;
      const needle = searchTerm(search).toLowerCase();
      if (needle && ![job.id, job.owner, job.model].some((field) => field.toLowerCase().includes(needle))) return;
      store.setState({ jobs: [job, ...jobs] });
    },
  };
  return controller;
}

/** The text a chat or completion result carries; null for other shapes (shown as JSON). */
export function resultText(body: unknown): string | null {
  const choice = (body as { choices?: Array<{ message?: { content?: unknown }; text?: unknown }> } | null)?.choices?.[0];
  const content = choice?.message?.content ?? choice?.text;
  return typeof content === 'string' ? content : null;
}
