import { describe, expect, test } from 'vitest';
import { JobStore } from './job-store';
import { MirrorOutbox } from './mirror-outbox';
import { newJob } from './testing/store-fixtures';

function storeWithOutbox(): { store: JobStore; outbox: MirrorOutbox } {
  const store = new JobStore({ path: ':memory:' });
  return { store, outbox: new MirrorOutbox(store.db) };
}

describe('MirrorOutbox', () => {
  test('every transition leaves one row, in the transaction of the change', () => {
    const { store, outbox } = storeWithOutbox();
    const a = store.insert(newJob());
    store.commitPending();
    store.claim(a.seq, 2, 'me');
    store.succeed(a.seq, 3, null, null);
    const b = store.insert(newJob());
    store.commitPending();
    store.reprioritize(b.seq, 9);
    store.reprioritize(b.seq, 9); // no change, no row
    store.cancel(b.seq, 4, 'bye', 'queued');
    const c = store.insert(newJob());
    store.commitPending();
    store.claim(c.seq, 5, 'me');
    store.requeue(c.seq, null, null);
    store.claim(c.seq, 6, 'me');
    store.fail(c.seq, 7, { code: 'x', message: 'y' });
    expect(outbox.lag().rows).toBe(3 + 3 + 5);

    const batch = outbox.read(100);
    expect(batch.changes).toBe(11);
    expect(batch.jobs.map((j) => [j.id, j.state])).toEqual([
      [a.id, 'succeeded'],
      [b.id, 'canceled'],
      [c.id, 'failed'],
    ]);
    expect(batch.jobs[2]).toMatchObject({ attempts: 2, startedAt: 6, finishedAt: 7, error: '{"code":"x","message":"y"}' });
  });

  test('a rolled-back change leaves no row', () => {
    const { store, outbox } = storeWithOutbox();
    expect(() =>
      store.transaction(() => {
        store.insert(newJob());
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(outbox.lag().rows).toBe(0);
  });

  test('deleteThrough removes what was sent, not what came after', () => {
    const { store, outbox } = storeWithOutbox();
    store.insert(newJob());
    store.commitPending();
    const sent = outbox.read(100);
    const later = store.insert(newJob());
    store.commitPending();
    outbox.deleteThrough(sent.throughSeq);
    expect(outbox.read(100).jobs.map((j) => j.id)).toEqual([later.id]);
  });

  test('over the bound, superseded rows go (progress-only first); the latest row per job stays', () => {
    const { store, outbox } = storeWithOutbox();
    const jobs = [store.insert(newJob()), store.insert(newJob())];
    store.commitPending();
    for (const job of jobs) {
      store.claim(job.seq, 1, 'me');
      for (let i = 0; i < 10; i++) outbox.noteProgress(job.seq);
    }
    expect(outbox.lag().rows).toBe(2 + 2 + 20);
    expect(outbox.coalesceIfOver(100)).toBe(0);
    expect(outbox.coalesceIfOver(10)).toBe(18); // progress-only rows go first: 6 left
    expect(outbox.coalesceIfOver(5)).toBe(4); // still over: superseded state rows too
    const batch = outbox.read(100);
    expect(batch.changes).toBe(2);
    expect(batch.jobs.map((j) => [j.id, j.state])).toEqual(jobs.map((j) => [j.id, 'running']));
  });

  test('lag: the rows waiting and when the oldest was written', () => {
    const { store, outbox } = storeWithOutbox();
    expect(outbox.lag()).toEqual({ rows: 0, oldestAt: null });
    const before = Date.now();
    store.insert(newJob());
    store.commitPending();
    const lag = outbox.lag();
    expect(lag.rows).toBe(1);
    expect(lag.oldestAt).toBeGreaterThanOrEqual(before - 1);
    expect(lag.oldestAt).toBeLessThanOrEqual(Date.now() + 1);
  });

  test('progress rows are written only for running jobs', () => {
    const { store, outbox } = storeWithOutbox();
    const job = store.insert(newJob());
    store.commitPending();
    outbox.noteProgress(job.seq); // queued: nothing to show
    expect(outbox.lag().rows).toBe(1);
    store.claim(job.seq, 1, 'me');
    outbox.noteProgress(job.seq);
    expect(outbox.lag().rows).toBe(3);
  });

  test('a store without the mirror writes no outbox rows', () => {
    const store = new JobStore({ path: ':memory:' });
    store.insert(newJob());
    store.commitPending();
    expect(store.db.prepare('SELECT count(*) AS n FROM mirror_outbox').get()).toEqual({ n: 0 });
  });
});
