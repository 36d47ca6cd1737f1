import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { JobState } from '../../../shared/job';
import type { NewJob } from './job-record';
import { JobStore } from './job-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-store-'));
  dirs.push(dir);
  return join(dir, 'lmqueue.db');
}

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    kind: 'chat',
    model: 'm',
    owner: 'alice',
    priority: 5,
    lane: 'interactive',
    maxAttempts: 3,
    createdAt: 1_000,
    runAt: null,
    promptTokens: 10,
    maxTokens: null,
    input: { messages: [{ role: 'user', content: 'hi' }] },
    metadata: null,
    ...overrides,
  };
}

describe('JobStore', () => {
  test('a job moves queued → running → succeeded, keeping its result and counts', () => {
    const store = new JobStore({ path: ':memory:' });
    const job = store.insert(newJob());
    expect(store.counts.queued).toBe(1);
    expect(store.claim(job.seq, 2_000, 'me')).toBe(true);
    expect(store.claim(job.seq, 2_000, 'me')).toBe(false);
    expect(store.succeed(job.seq, 3_000, { answer: 42 }, { promptTokens: 1, completionTokens: 2, totalTokens: 3 })).toBe(true);
    const done = store.getById(job.id)!;
    expect(done).toMatchObject({ state: 'succeeded', attempts: 1, startedAt: 2_000, finishedAt: 3_000 });
    expect(store.result(job.seq)).toEqual({ answer: 42 });
    expect(store.counts).toMatchObject({ queued: 0, running: 0, succeeded: 1 });
    expect(store.countByState()).toEqual(store.counts);
  });

  test('guards refuse transitions from the wrong state', () => {
    const store = new JobStore({ path: ':memory:' });
    const job = store.insert(newJob());
    expect(store.succeed(job.seq, 1, null, null)).toBe(false);
    expect(store.cancel(job.seq, 1, 'x', 'queued')).toBe(true);
    expect(store.claim(job.seq, 1, 'me')).toBe(false);
    expect(store.reprioritize(job.seq, 9)).toBe(false);
    expect(store.counts).toMatchObject({ queued: 0, canceled: 1 });
  });

  test('history pages newest first with a cursor and filters', () => {
    const store = new JobStore({ path: ':memory:' });
    const ids = Array.from({ length: 7 }, (_, i) => store.insert(newJob({ owner: i % 2 ? 'bob' : 'alice' })).id);
    const first = store.history({ limit: 3 });
    expect(first.records.map((r) => r.id)).toEqual(ids.slice(4).reverse());
    const second = store.history({ limit: 3, cursor: first.nextCursor! });
    expect(second.records.map((r) => r.id)).toEqual(ids.slice(1, 4).reverse());
    const third = store.history({ limit: 3, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeNull();
    expect(store.history({ limit: 10, owner: 'bob' }).records).toHaveLength(3);
    expect(store.history({ limit: 10, search: 'ali' }).records).toHaveLength(4);
    expect(() => store.history({ limit: 1, cursor: 'nope' })).toThrow(/cursor/);
  });

  test('retention purges only finished jobs older than the cutoff', () => {
    const store = new JobStore({ path: ':memory:' });
    const old = store.insert(newJob());
    const recent = store.insert(newJob());
    const waiting = store.insert(newJob());
    store.cancel(old.seq, 100, 'x', 'queued');
    store.cancel(recent.seq, 5_000, 'x', 'queued');
    expect(store.purgeFinished(1_000)).toBe(1);
    expect(store.getById(old.id)).toBeNull();
    expect(store.getById(recent.id)).not.toBeNull();
    expect(store.getById(waiting.id)).not.toBeNull();
    expect(store.counts).toEqual(store.countByState());
  });

  test('submissions in one turn share a commit; unacknowledged ones vanish whole in a crash', async () => {
    const path = tempDbPath();
    let store = new JobStore({ path });
    const kept = store.insert(newJob());
    const durable = store.durable();
    expect(store.db.inTransaction).toBe(true);
    await durable; // committed at the end of the turn
    expect(store.db.inTransaction).toBe(false);
    const lost = store.insert(newJob());
    store.db.close(); // killed before the batch committed: nobody was told it was accepted
    store = new JobStore({ path });
    expect(store.getById(kept.id)?.state).toBe('queued');
    expect(store.getById(lost.id)).toBeNull();
    expect(store.countByState().queued).toBe(1);
    store.close();
  });

  test('a second process cannot open the same data directory', () => {
    const path = tempDbPath();
    const store = new JobStore({ path });
    expect(() => new JobStore({ path })).toThrow(/in use/);
    store.close();
    new JobStore({ path }).close();
  });

  test('property: random operations with crashes at random points lose and duplicate nothing', () => {
    type Op =
      | { type: 'insert'; attempts: number }
      | { type: 'claim'; pick: number }
      | { type: 'succeed'; pick: number }
      | { type: 'retry'; pick: number }
      | { type: 'fail'; pick: number }
      | { type: 'cancel'; pick: number }
      | { type: 'crash' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ type: fc.constant('insert' as const), attempts: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ type: fc.constantFrom('claim' as const, 'succeed' as const, 'retry' as const, 'fail' as const, 'cancel' as const), pick: fc.nat() }),
      fc.constant({ type: 'crash' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const path = tempDbPath();
        let store = new JobStore({ path });
        // The model: what each job's state must be.
        const model = new Map<string, { seq: number; state: JobState; attempts: number; max: number }>();
        const pick = (state: JobState, n: number) => {
          const candidates = [...model.values()].filter((j) => j.state === state);
          return candidates.length ? candidates[n % candidates.length] : undefined;
        };
        for (const o of ops) {
          if (o.type === 'insert') {
            const rec = store.insert(newJob({ maxAttempts: o.attempts }));
            store.commitPending(); // what a host does before acknowledging (await durable())
            model.set(rec.id, { seq: rec.seq, state: 'queued', attempts: 0, max: o.attempts });
          } else if (o.type === 'claim') {
            const j = pick('queued', o.pick);
            if (j) {
              expect(store.claim(j.seq, 1, 'w')).toBe(true);
              j.state = 'running';
              j.attempts++;
            }
          } else if (o.type === 'crash') {
            // Kill without any cleanup: the process dies with jobs running.
            store.db.close();
            store = new JobStore({ path });
            store.recoverInterrupted(2);
            for (const j of model.values()) {
              if (j.state === 'running') j.state = j.attempts >= j.max ? 'failed' : 'queued';
            }
          } else {
            const from = o.type === 'cancel' ? (o.pick % 2 ? 'queued' : 'running') : 'running';
            const j = pick(from, o.pick);
            if (!j) continue;
            if (o.type === 'succeed') expect(store.succeed(j.seq, 3, {}, null)).toBe(true);
            if (o.type === 'retry') expect(store.requeue(j.seq, 10, null)).toBe(true);
            if (o.type === 'fail') expect(store.fail(j.seq, 3, { code: 'x', message: 'x' })).toBe(true);
            if (o.type === 'cancel') expect(store.cancel(j.seq, 3, 'x', from)).toBe(true);
            j.state = ({ succeed: 'succeeded', retry: 'queued', fail: 'failed', cancel: 'canceled' } as const)[o.type];
          }
        }
        store.db.close();
        const reopened = new JobStore({ path });
        for (const [id, j] of model) {
          const rec = reopened.getById(id);
          expect(rec?.state).toBe(j.state);
          expect(rec?.attempts).toBe(j.attempts);
        }
        expect(reopened.countByState().queued + reopened.countByState().running).toBe(
          [...model.values()].filter((j) => j.state === 'queued' || j.state === 'running').length,
        );
        expect([...reopened.queuedEntries()].length).toBe([...model.values()].filter((j) => j.state === 'queued').length);
        reopened.close();
      }),
      { numRuns: 60 },
    );
  });
});
