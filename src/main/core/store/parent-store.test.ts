/** The store's side of parent jobs: children once per index, the queries over them, retention. */
import { describe, expect, test } from 'vitest';
import { JobStore } from './job-store';
import { ParentStore } from './parent-store';
import { newJob } from './testing/store-fixtures';

function open() {
  const store = new JobStore({ path: ':memory:' });
  return { store, parents: new ParentStore(store.db) };
}

function parentWithChildren(store: JobStore, parents: ParentStore, count: number) {
  const parent = store.transaction(() => {
    const record = store.insert(newJob({ kind: 'batch', lane: 'batch', input: {} }));
    parents.create(record.seq);
    return record;
  });
  const children = store.transaction(() => Array.from({ length: count }, (_, i) => store.insertChild(newJob({ lane: 'batch' }), parent.id, i)!));
  return { parent, children };
}

describe('parent store', () => {
  test('a child index is added once; counts, children by state and pages read the children', () => {
    const { store, parents } = open();
    const { parent, children } = parentWithChildren(store, parents, 4);
    expect(store.transaction(() => store.insertChild(newJob(), parent.id, 2))).toBeNull();
    store.claim(children[1]!.seq, 2_000, 'me');
    store.succeed(children[1]!.seq, 3_000, { ok: true }, null);
    store.cancel(children[3]!.seq, 3_000, 'no', 'queued');
    expect(parents.childCounts(parent.id)).toEqual({ total: 4, queued: 2, running: 0, succeeded: 1, failed: 0, canceled: 1 });
    expect(parents.childrenIn(parent.id, 'queued', -1, 10).map((c) => c.index)).toEqual([0, 2]);
    expect(parents.childrenIn(parent.id, 'queued', 0, 10).map((c) => c.index)).toEqual([2]);
    const page = parents.childPage(parent.id, 0, 2);
    expect(page.map((c) => [c.index, c.record.state, c.resultJson])).toEqual([
      [1, 'succeeded', '{"ok":true}'],
      [2, 'queued', null],
    ]);
    // A parent is never queued work: the index never sees it.
    expect([...store.queuedEntries()].map((e) => e.seq)).toEqual([children[0]!.seq, children[2]!.seq]);
  });

  test('the first ending wins, and sealed and the final counts are kept', () => {
    const { store, parents } = open();
    const { parent } = parentWithChildren(store, parents, 1);
    expect(parents.marks(parent.seq)).toEqual({ sealed: false, ending: null, children: null });
    parents.seal(parent.seq);
    expect(parents.setEnding(parent.seq, { state: 'failed', error: { code: 'invalid_file', message: 'bad' } })).toBe(true);
    expect(parents.setEnding(parent.seq, { state: 'canceled', error: { code: 'canceled', message: 'stop' } })).toBe(false);
    parents.saveChildren(parent.seq, { total: 1, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 1 });
    expect(parents.marks(parent.seq)).toEqual({ sealed: true, ending: { state: 'failed', error: { code: 'invalid_file', message: 'bad' } }, children: { total: 1, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 1 } });
  });

  test('retention: a child goes with its parent, never before it', () => {
    const { store, parents } = open();
    const { parent, children } = parentWithChildren(store, parents, 3);
    for (const child of children) store.cancel(child.seq, 1_000, 'old', 'queued');
    // The children are past the cutoff, their parent still runs: nothing goes.
    expect(store.purgeFinished(5_000)).toBe(0);
    expect(parents.childCounts(parent.id).total).toBe(3);
    store.finishParent(parent.seq, 2_000, { state: 'canceled', error: null, result: { children: parents.childCounts(parent.id) } }, 'queued');
    const before = { ...store.counts };
    store.purgeFinished(5_000);
    expect(store.getById(parent.id)).toBeNull();
    expect(parents.childCounts(parent.id).total).toBe(0);
    expect(parents.marks(parent.seq)).toBeNull();
    expect(store.counts.canceled).toBe(before.canceled - 4);
    expect(store.counts).toEqual(store.countByState());
  });
});
