import { describe, expect, it } from 'vitest';
import type { BackendState } from '../../../shared/backend';
import type { Bridge, HandlerArgs, HandlerName, HandlerResult } from '../../../shared/contract';
import type { Job, ListJobsQuery } from '../../../shared/job';
import type { QueueSnapshot, QueueSnapshotQuery } from '../../../shared/queue';
import { makeCounts, makeJob } from '../../../shared/testing/job-fixtures';
import { queueRowAt, queueRowCount } from './queue-rows';
import { createQueueController } from './queue-store';

/** A queue of `queued` jobs (q0, q1, ...) and one running job, served like the engine serves it. */
function fakeQueue(queued: number) {
  const state = {
    version: 1,
    parents: [] as Job[],
    queuedChildren: 0,
    running: [makeJob('r0', { state: 'running', owner: 'bob' })],
    queued: Array.from({ length: queued }, (_, i) =>
      makeJob(`q${i}`, { position: i + 1, owner: i % 2 === 0 ? 'alice' : 'bob', eta: { startsInSeconds: i, finishesInSeconds: i + 1, startsInSecondsLow: i, startsInSecondsHigh: i, finishesInSecondsHigh: i + 1 } }),
    ),
  };
  const calls: Array<{ name: HandlerName; args: unknown }> = [];
  const snapshot = ({ offset = 0, limit = 100 }: QueueSnapshotQuery): QueueSnapshot => ({
    running: state.running,
    queued: state.queued.slice(Number(offset), Number(offset) + Number(limit)),
    parents: state.parents,
    offset: Number(offset),
    counts: { ...makeCounts(state.queued.length + state.queuedChildren, state.running.length), queuedChildren: state.queuedChildren },
    backend: { url: 'u', status: 'up', loadedModel: null, resident: [], canLoadAlongside: true, slots: 1, models: [], lastError: null, since: '', retryAt: null } as BackendState,
    paused: false,
    version: state.version,
    generatedAt: '',
  });
  const list = (query: ListJobsQuery) => {
    const pool = query.state === 'running' ? state.running : state.queued;
    const jobs = pool.filter((j) => (!query.owner || j.owner === query.owner) && (!query.model || j.model === query.model));
    return { jobs: [...jobs].reverse(), nextCursor: null };
  };
  const bridge: Pick<Bridge, 'invoke'> = {
    invoke: (async <N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>> => {
      calls.push({ name, args });
      if (name === 'queue.snapshot') return snapshot(args as QueueSnapshotQuery) as HandlerResult<N>;
      if (name === 'jobs.list') return list(args as ListJobsQuery) as HandlerResult<N>;
      throw new Error(`unexpected ${name}`);
    }) as Bridge['invoke'],
  };
  return { state, calls, bridge };
}

const ids = (jobs: Array<{ job: Job } | null>) => jobs.map((row) => row?.job.id ?? null);

const batch = (id: string, extra: Partial<Job> = {}) =>
  makeJob(id, {
    kind: 'batch',
    lane: 'batch',
    state: 'running',
    progress: { fraction: 0.25, stage: 'running', message: '1 of 4 requests' },
    children: { total: 4, queued: 2, running: 1, succeeded: 1, failed: 0, canceled: 0 },
    ...extra,
  });

describe('queue store', () => {
  it("shows a parent as one row of its own, its queued children left out of the queue's rows", async () => {
    const { bridge, state: served } = fakeQueue(3);
    served.parents = [batch('p1')];
    served.queuedChildren = 2_000;
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    const state = queue.store.getState();
    expect(state.parents.map((row) => row.job.id)).toEqual(['p1']);
    expect(queueRowCount(state)).toBe(4);
    // Its updates patch its row; it never becomes a running row; once done it leaves.
    queue.applyJob(batch('p1', { progress: { fraction: 0.5, stage: 'running', message: '2 of 4 requests' } }));
    expect(queue.store.getState().parents[0]!.job.progress.message).toBe('2 of 4 requests');
    expect(ids(queue.store.getState().running)).toEqual(['r0']);
    queue.applyJob(batch('p1', { state: 'succeeded' }));
    expect(queue.store.getState().parents).toEqual([]);
    queue.applyJob(batch('p2'));
    expect(queue.store.getState().parents.map((row) => row.job.id)).toEqual(['p2']);
  });

  it('reads the first page, then is ready with running jobs first and queued ones in dispatch order', async () => {
    const { bridge, calls } = fakeQueue(250);
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    const state = queue.store.getState();
    expect(state.ready).toBe(true);
    expect(calls).toEqual([{ name: 'queue.snapshot', args: { offset: 0, limit: 100 } }]);
    expect(queueRowCount(state)).toBe(251);
    expect(ids([0, 1, 2].map((i) => queueRowAt(state, i)))).toEqual(['r0', 'q0', 'q1']);
    // Beyond the first page rows are placeholders until the user scrolls there.
    expect(queueRowAt(state, 180)).toBeNull();
  });

  it('reads the pages the user scrolls to, and only those', async () => {
    const { bridge, calls } = fakeQueue(100_000);
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    queue.setVisibleQueuedRange(54_990, 55_020);
    await queue.idle();
    expect(calls.slice(1).map((c) => c.args)).toEqual([
      { offset: 54_900, limit: 100 },
      { offset: 55_000, limit: 100 },
    ]);
    const state = queue.store.getState();
    expect(queueRowAt(state, 1 + 54_999)?.job.position).toBe(55_000);
  });

  it('re-reads what is on screen when the queue changes, once per burst', async () => {
    const { bridge, calls, state: server } = fakeQueue(10);
    const queue = createQueueController(bridge, { refetchDelayMs: 5 });
    await queue.start();
    server.queued = server.queued.slice(1);
    server.version = 2;
    for (let i = 0; i < 5; i++) queue.onQueueChanged({ version: 2, counts: makeCounts(9, 1), paused: false });
    await queue.idle();
    expect(calls.filter((c) => c.name === 'queue.snapshot')).toHaveLength(2);
    const state = queue.store.getState();
    expect(queueRowCount(state)).toBe(10);
    expect(queueRowAt(state, 1)?.job.id).toBe('q1');
  });

  it('ignores a queue change older than what it has', async () => {
    const { bridge } = fakeQueue(3);
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    queue.onQueueChanged({ version: 0, counts: makeCounts(99, 0), paused: true });
    expect(queue.store.getState().queuedTotal).toBe(3);
  });

  it('patches rows in place on job.updated, and moves jobs in and out of the running set', async () => {
    const { bridge } = fakeQueue(3);
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    queue.applyJob(makeJob('q1', { position: 2, priority: 9 }));
    expect(queueRowAt(queue.store.getState(), 2)?.job.priority).toBe(9);
    queue.applyJob(makeJob('q0', { state: 'running', progress: { fraction: 0.5, stage: 'generating', message: null } }));
    expect(queue.store.getState().running.map((r) => r.job.id)).toEqual(['r0', 'q0']);
    queue.applyJob(makeJob('r0', { state: 'succeeded' }));
    expect(queue.store.getState().running.map((r) => r.job.id)).toEqual(['q0']);
  });

  it('filters by owner through jobs.list, sorted by position', async () => {
    const { bridge, calls } = fakeQueue(6);
    const queue = createQueueController(bridge, { refetchDelayMs: 1 });
    await queue.start();
    queue.setFilters({ owner: 'bob' });
    await queue.idle();
    const state = queue.store.getState();
    expect(calls.some((c) => c.name === 'jobs.list' && (c.args as ListJobsQuery).owner === 'bob')).toBe(true);
    expect(ids(Array.from({ length: queueRowCount(state) }, (_, i) => queueRowAt(state, i)))).toEqual(['r0', 'q1', 'q3', 'q5']);
    queue.setFilters({ owner: '', state: 'queued' });
    await queue.idle();
    const unfiltered = queue.store.getState();
    expect(queueRowCount(unfiltered)).toBe(6);
    expect(queueRowAt(unfiltered, 0)?.job.id).toBe('q0');
    expect(unfiltered.owners).toEqual(['alice', 'bob']);
  });
});
