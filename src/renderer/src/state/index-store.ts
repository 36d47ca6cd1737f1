/**
 * The Indexes tab: every index, each one's last index job as last heard (patched by
 * `job.updated`, so its stage, progress and ETA move live), create, re-index, delete, search.
 * A server started without index roots answers `indexing_disabled`: that is a state to show
 * (its message says how to turn indexing on), not an error.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import type { CreateIndexRequest, IndexView, SearchResult } from '../../../shared/indexes';
import { FINISHED_STATES, type Job } from '../../../shared/job';
import { toBridgeError } from '../bridge/bridge-error';

export interface IndexJobRow {
  job: Job;
  /** When the UI heard it (its ETA counts down from here). */
  receivedAt: number;
}

export interface IndexState {
  indexes: IndexView[];
  loaded: boolean;
  /** Why indexing is off (the server's words, naming the flag that turns it on); null when it is on. */
  disabled: string | null;
  /** The last read that failed, for a banner; null once one succeeds. */
  error: string | null;
  /** Each index's last job by job id. */
  jobs: Record<string, IndexJobRow>;
}

export type SearchOutcome = { results: SearchResult[] } | { error: string };

export interface IndexController {
  readonly store: StoreApi<IndexState>;
  /** Reads the indexes and any last job not known to be finished. */
  load(): Promise<void>;
  /** Creates an index (or re-reads one, same name); resolves with why it was refused, null when its job is queued. */
  create(request: CreateIndexRequest): Promise<string | null>;
  /** Indexes the folder again with the index's own settings. */
  reindex(name: string): Promise<string | null>;
  /** Resolves with why it was refused, null once deleted. */
  remove(name: string): Promise<string | null>;
  search(name: string, query: string, k: number): Promise<SearchOutcome>;
  onJob(job: Job): void;
  /** The event link is back: events may have been missed, so read again what was shown. */
  onReconnect(): void;
}

const isFinished = (job: Job): boolean => FINISHED_STATES.includes(job.state);

/** The settings an index was made with, as a request to make it again. */
export function reindexRequest(index: IndexView): CreateIndexRequest {
  return {
    name: index.name,
    path: index.path,
    embeddingModel: index.embeddingModel,
    chunkTokens: index.chunkTokens,
    overlapTokens: index.overlapTokens,
    ...(index.include && index.include.length > 0 ? { include: index.include } : {}),
  };
}

export function createIndexController(bridge: Pick<Bridge, 'invoke'>, now: () => number = Date.now): IndexController {
  const store = createStore<IndexState>(() => ({ indexes: [], loaded: false, disabled: null, error: null, jobs: {} }));
  /** Index jobs of no index on screen that a read was already made for (one read each, not one per update). */
  const askedAbout = new Set<string>();
  let reading: Promise<void> | null = null;
  let readAgain = false;

  const putJob = (job: Job): void => {
    store.setState({ jobs: { ...store.getState().jobs, [job.id]: { job, receivedAt: now() } } });
  };

  async function readJobs(indexes: IndexView[]): Promise<void> {
    const { jobs } = store.getState();
    const wanted = indexes.map((i) => i.lastJobId).filter((id): id is string => id !== null && !(jobs[id] && isFinished(jobs[id].job)));
    const read = await Promise.all(wanted.map((id) => bridge.invoke('jobs.get', { id }).catch(() => null)));
    for (const job of read) if (job) putJob(job);
  }

  async function readOnce(): Promise<void> {
    try {
      const indexes = await bridge.invoke('indexes.list', {});
      store.setState({ indexes, loaded: true, disabled: null, error: null });
      await readJobs(indexes);
    } catch (reason) {
      const error = toBridgeError(reason);
      if (error.code === 'indexing_disabled') store.setState({ indexes: [], loaded: true, disabled: error.message, error: null });
      else store.setState({ loaded: true, error: error.message });
    }
  }

  /** One read at a time; asking while one is under way reads once more after it. */
  function load(): Promise<void> {
    if (reading) {
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      do {
        readAgain = false;
        await readOnce();
      } while (readAgain);
    })().finally(() => (reading = null));
    return reading;
  }

  const adopt = (index: IndexView, job: Job): void => {
    const others = store.getState().indexes.filter((i) => i.name !== index.name);
    store.setState({ indexes: [...others, index].sort((a, b) => a.name.localeCompare(b.name)) });
    putJob(job);
  };

  async function create(request: CreateIndexRequest): Promise<string | null> {
    try {
      const { index, job } = await bridge.invoke('indexes.create', request);
      adopt(index, job);
      return null;
    } catch (reason) {
      return toBridgeError(reason).message;
    }
  }

  return {
    store,
    load,
    create,
    reindex: (name) => {
      const index = store.getState().indexes.find((i) => i.name === name);
      return index ? create(reindexRequest(index)) : Promise.resolve(`no index named ${name} is shown`);
    },
    async remove(name) {
      try {
        await bridge.invoke('indexes.delete', { name });
      } catch (reason) {
        return toBridgeError(reason).message;
      }
      store.setState({ indexes: store.getState().indexes.filter((i) => i.name !== name) });
      return null;
    },
    async search(name, query, k) {
      try {
        return { results: (await bridge.invoke('indexes.search', { name, query, k })).results };
      } catch (reason) {
        return { error: toBridgeError(reason).message };
      }
    },
    onJob(job) {
      if (job.kind !== 'index') return;
      const state = store.getState();
      if (!state.loaded || state.disabled !== null) return;
      const known = state.jobs[job.id];
      if (state.indexes.some((i) => i.lastJobId === job.id)) {
        putJob(job);
        // Its counts and skipped files are written as it ends.
        if (isFinished(job) && (!known || !isFinished(known.job))) void load();
        return;
      }
      // Made elsewhere (another window, the API, a schedule), or re-indexed there.
      if (!askedAbout.has(job.id)) {
        askedAbout.add(job.id);
        putJob(job);
        void load();
      } else if (known) {
        putJob(job);
      }
    },
    onReconnect() {
      if (store.getState().loaded) void load();
    },
  };
}
