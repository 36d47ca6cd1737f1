/**
 * The live queue: running jobs plus the queued ones in dispatch order, read a page at a time
 * with `queue.snapshot({offset, limit})` for the rows on screen, re-read when the queue's
 * version moves (`queue.changed`) and patched in place by `job.updated`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import type { QueueChanged, QueueCounts, QueueSnapshot } from '../../../shared/queue';
import { toBridgeError } from '../bridge/bridge-error';
import {
  hasSearchFilter,
  matchesFilters,
  NO_FILTERS,
  pagesCovering,
  type FilteredQueue,
  type QueueFilters,
  type QueuePage,
  type QueueRow,
  type QueueRowSource,
} from './queue-rows';

export interface QueueState extends QueueRowSource {
  /** The first snapshot has arrived. */
  ready: boolean;
  error: string | null;
  counts: QueueCounts | null;
  paused: boolean;
  version: number;
  /** Queued rows on screen (indexes into the unfiltered queue). */
  visible: { start: number; end: number };
  /** Owners seen so far, for the owner filter's suggestions. */
  owners: string[];
  /** Unfinished parent jobs (batches): one row each, their children behind them. */
  parents: QueueRow[];
}

export interface QueueController {
  readonly store: StoreApi<QueueState>;
  /** Reads the first page; resolves once it is in (or failed). */
  start(): Promise<void>;
  setVisibleQueuedRange(start: number, end: number): void;
  setFilters(filters: Partial<QueueFilters>): void;
  onQueueChanged(change: QueueChanged): void;
  applyJob(job: Job): void;
  /** Re-reads what is on screen now, stale or not. */
  refresh(): Promise<void>;
  /** Resolves when no read is in flight or scheduled (tests). */
  idle(): Promise<void>;
  dispose(): void;
}

export interface QueueStoreOptions {
  pageSize?: number;
  /** Coalesces bursts of `queue.changed` into one read. */
  refetchDelayMs?: number;
  /** Most pages kept; the ones farthest from the screen are dropped first. */
  maxPages?: number;
  /** Most owner/model matches read for a filtered view. */
  maxFilteredRows?: number;
  now?: () => number;
}

const LIST_PAGE = 500;

/** The queue page lists no parent's children (they are behind their parent's row). */
function queuedRows(counts: QueueCounts): number {
  return Math.max(0, counts.queued - (counts.queuedChildren ?? 0));
}

export function createQueueController(bridge: Pick<Bridge, 'invoke'>, options: QueueStoreOptions = {}): QueueController {
  const pageSize = options.pageSize ?? 100;
  const refetchDelayMs = options.refetchDelayMs ?? 150;
  const maxPages = options.maxPages ?? 12;
  const maxFilteredRows = options.maxFilteredRows ?? 1000;
  const now = options.now ?? Date.now;

  const store = createStore<QueueState>(() => ({
    ready: false,
    error: null,
    running: [],
    queuedTotal: 0,
    pages: new Map(),
    pageSize,
    filters: NO_FILTERS,
    filtered: null,
    counts: null,
    paused: false,
    version: 0,
    visible: { start: 0, end: pageSize - 1 },
    owners: [],
    parents: [],
  }));

  const inFlight = new Map<string, Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  let filterGeneration = 0;
  /** The queue version the filtered view was read at. */
  let filteredVersion = -1;

  const rowsOf = (jobs: Job[]): QueueRow[] => {
    const receivedAt = now();
    return jobs.map((job) => ({ job, receivedAt }));
  };

  function rememberOwners(jobs: Job[]): string[] {
    const owners = store.getState().owners;
    const fresh = jobs.map((j) => j.owner).filter((o) => !owners.includes(o));
    return fresh.length === 0 ? owners : [...new Set([...owners, ...fresh])].sort();
  }

  function fail(reason: unknown): void {
    store.setState({ error: toBridgeError(reason).message });
  }

  /** Runs a read once per key at a time (a caller asking again while in flight shares it). */
  function once(key: string, read: () => Promise<void>): Promise<void> {
    const running = inFlight.get(key);
    if (running) return running;
    const promise = read()
      .catch(fail)
      .finally(() => inFlight.delete(key));
    inFlight.set(key, promise);
    return promise;
  }

  function trimPages(pages: Map<number, QueuePage>): Map<number, QueuePage> {
    if (pages.size <= maxPages) return pages;
    const { start, end } = store.getState().visible;
    const center = (start + end) / 2 / pageSize;
    const keep = [...pages.keys()].sort((a, b) => Math.abs(a - center) - Math.abs(b - center)).slice(0, maxPages);
    return new Map(keep.map((page) => [page, pages.get(page)!]));
  }

  function adoptSnapshot(snapshot: QueueSnapshot, page: number): void {
    const state = store.getState();
    const pages = new Map(state.pages);
    pages.set(page, { rows: rowsOf(snapshot.queued), version: snapshot.version });
    const newer = snapshot.version >= state.version;
    store.setState({
      ready: true,
      error: null,
      running: rowsOf(snapshot.running),
      parents: rowsOf(snapshot.parents),
      pages: trimPages(pages),
      owners: rememberOwners([...snapshot.running, ...snapshot.queued]),
      ...(newer
        ? { version: snapshot.version, counts: snapshot.counts, queuedTotal: queuedRows(snapshot.counts), paused: snapshot.paused }
        : {}),
    });
  }

  function readPage(page: number): Promise<void> {
    return once(`page:${page}`, async () => {
      const snapshot = await bridge.invoke('queue.snapshot', { offset: page * pageSize, limit: pageSize });
      if (disposed) return;
      adoptSnapshot(snapshot, page);
      // The queue moved while this read was under way: read the screen again.
      if (snapshot.version < store.getState().version) schedule();
    });
  }

  async function readMatches(filters: QueueFilters): Promise<FilteredQueue> {
    const query = { owner: filters.owner.trim() || undefined, model: filters.model.trim() || undefined };
    const queued: Job[] = [];
    let cursor: string | undefined;
    let truncated = false;
    do {
      const page = await bridge.invoke('jobs.list', { ...query, state: 'queued', limit: LIST_PAGE, cursor });
      queued.push(...page.jobs);
      cursor = page.nextCursor ?? undefined;
      if (cursor && queued.length >= maxFilteredRows) truncated = true;
    } while (cursor && !truncated);
    const running = await bridge.invoke('jobs.list', { ...query, state: 'running', limit: LIST_PAGE });
    queued.sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity));
    // Parents have their own rows (QueueState.parents).
    const own = (jobs: Job[]) => jobs.filter((j) => j.children === null);
    return { running: rowsOf(own(running.jobs)), queued: rowsOf(own(queued).slice(0, maxFilteredRows)), truncated };
  }

  function readFiltered(): Promise<void> {
    const generation = filterGeneration;
    return once(`filtered:${generation}`, async () => {
      const { filters, version } = store.getState();
      const filtered = await readMatches(filters);
      if (disposed || generation !== filterGeneration) return;
      filteredVersion = version;
      store.setState({ filtered, error: null, owners: rememberOwners([...filtered.running, ...filtered.queued].map((r) => r.job)) });
      if (version < store.getState().version) schedule();
    });
  }

  /** Reads whatever is on screen that is missing or older than the queue's version. */
  function readVisible(force = false): Promise<void> {
    const state = store.getState();
    if (hasSearchFilter(state.filters)) {
      return !force && state.filtered && filteredVersion >= state.version ? Promise.resolve() : readFiltered();
    }
    const wanted = pagesCovering(state.visible.start, Math.min(state.visible.end, Math.max(0, state.queuedTotal - 1)), pageSize);
    if (wanted.length === 0) wanted.push(0);
    const stale = wanted.filter((page) => {
      const held = state.pages.get(page);
      return force || !held || held.version < state.version;
    });
    return Promise.all(stale.map(readPage)).then(() => undefined);
  }

  function schedule(): void {
    if (timer !== null || disposed) return;
    timer = setTimeout(() => {
      timer = null;
      void readVisible();
    }, refetchDelayMs);
  }

  function patchRows(rows: QueueRow[], job: Job, receivedAt: number): QueueRow[] | null {
    const at = rows.findIndex((row) => row.job.id === job.id);
    if (at === -1) return null;
    const next = rows.slice();
    next[at] = { job, receivedAt };
    return next;
  }

  return {
    store,
    start: () => readPage(0),

    setVisibleQueuedRange(start, end) {
      const visible = store.getState().visible;
      if (visible.start === start && visible.end === end) return;
      store.setState({ visible: { start, end } });
      void readVisible();
    },

    setFilters(change) {
      const filters = { ...store.getState().filters, ...change };
      filterGeneration++;
      filteredVersion = -1;
      store.setState({ filters, filtered: null });
      void readVisible();
    },

    onQueueChanged(change) {
      const state = store.getState();
      if (change.version < state.version) return;
      store.setState({ version: change.version, counts: change.counts, queuedTotal: queuedRows(change.counts), paused: change.paused });
      schedule();
    },

    applyJob(job) {
      const state = store.getState();
      const receivedAt = now();
      if (job.children !== null) {
        // A parent is never a queued or running row of its own: it has its own list.
        const active = job.state === 'queued' || job.state === 'running';
        const patched = patchRows(state.parents, job, receivedAt);
        if (patched) store.setState({ parents: active ? patched : state.parents.filter((row) => row.job.id !== job.id) });
        else if (active) store.setState({ parents: [...state.parents, { job, receivedAt }] });
        return;
      }
      const update: Partial<QueueState> = {};
      const inRunning = patchRows(state.running, job, receivedAt);
      if (job.state === 'running') {
        update.running = inRunning ?? [...state.running, { job, receivedAt }];
      } else if (inRunning) {
        // Left the running set: drop it now, the next snapshot confirms.
        update.running = state.running.filter((row) => row.job.id !== job.id);
      }
      for (const [index, page] of state.pages) {
        const rows = patchRows(page.rows, job, receivedAt);
        if (rows) {
          const pages = new Map(state.pages);
          pages.set(index, { ...page, rows });
          update.pages = pages;
          break;
        }
      }
      if (state.filtered && matchesFilters(job, state.filters)) {
        const queued = patchRows(state.filtered.queued, job, receivedAt) ?? state.filtered.queued;
        const running = patchRows(state.filtered.running, job, receivedAt) ?? state.filtered.running;
        update.filtered = { ...state.filtered, queued, running };
      }
      if (!state.owners.includes(job.owner)) update.owners = rememberOwners([job]);
      if (Object.keys(update).length > 0) store.setState(update);
    },

    refresh: () => readVisible(true),

    async idle() {
      while (timer !== null || inFlight.size > 0) {
        if (inFlight.size > 0) await Promise.all(inFlight.values());
        else await new Promise((resolve) => setTimeout(resolve, refetchDelayMs + 1));
      }
    },

    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
