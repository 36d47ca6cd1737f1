/**
 * What the Queue tab's virtual list shows, derived from the queue store's state: running jobs
 * first, then the queued ones in dispatch order, fetched page by page as the user scrolls.
 */
import type { Job } from '../../../shared/job';

export interface QueueRow {
  job: Job;
  /** When the UI received this view of the job (ETAs count down from it). */
  receivedAt: number;
}

export type QueueStateFilter = 'all' | 'running' | 'queued';

export interface QueueFilters {
  owner: string;
  model: string;
  state: QueueStateFilter;
}

export interface QueuePage {
  rows: QueueRow[];
  /** The queue version the page was read at; older than the store's version means stale. */
  version: number;
}

/** Jobs matching an owner/model filter: read with jobs.list, sorted by position. */
export interface FilteredQueue {
  running: QueueRow[];
  queued: QueueRow[];
  /** More matches exist than were read. */
  truncated: boolean;
}

export interface QueueRowSource {
  running: QueueRow[];
  queuedTotal: number;
  pages: ReadonlyMap<number, QueuePage>;
  pageSize: number;
  filters: QueueFilters;
  filtered: FilteredQueue | null;
}

export const NO_FILTERS: QueueFilters = { owner: '', model: '', state: 'all' };

export function hasSearchFilter(filters: QueueFilters): boolean {
  return filters.owner.trim() !== '' || filters.model.trim() !== '';
}

export function matchesFilters(job: Job, filters: QueueFilters): boolean {
  const owner = filters.owner.trim();
  const model = filters.model.trim();
  return (owner === '' || job.owner === owner) && (model === '' || job.model === model);
}

function visibleRunning(source: QueueRowSource): QueueRow[] {
  if (source.filters.state === 'queued') return [];
  return source.filtered ? source.filtered.running : source.running;
}

function queuedCount(source: QueueRowSource): number {
  if (source.filters.state === 'running') return 0;
  return source.filtered ? source.filtered.queued.length : source.queuedTotal;
}

export function queueRowCount(source: QueueRowSource): number {
  return visibleRunning(source).length + queuedCount(source);
}

/** Index of the first queued row (rows before it are running jobs). */
export function firstQueuedIndex(source: QueueRowSource): number {
  return visibleRunning(source).length;
}

/** The row at `index`, or null while its page is still loading. */
export function queueRowAt(source: QueueRowSource, index: number): QueueRow | null {
  const running = visibleRunning(source);
  if (index < running.length) return running[index] ?? null;
  const queuedIndex = index - running.length;
  if (queuedIndex >= queuedCount(source)) return null;
  if (source.filtered) return source.filtered.queued[queuedIndex] ?? null;
  const page = source.pages.get(Math.floor(queuedIndex / source.pageSize));
  return page?.rows[queuedIndex % source.pageSize] ?? null;
}

/** Pages (of the unfiltered queue) that cover queued rows `start..end` inclusive. */
export function pagesCovering(start: number, end: number, pageSize: number): number[] {
  if (end < start || end < 0) return [];
  const first = Math.floor(Math.max(0, start) / pageSize);
  const last = Math.floor(end / pageSize);
  const pages: number[] = [];
  for (let page = first; page <= last; page++) pages.push(page);
  return pages;
}
