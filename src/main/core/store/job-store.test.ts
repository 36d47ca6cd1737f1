import fc from 'fast-check';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { JobState } from '../../../shared/job';
import { JobStore, MAX_CRASH_RECOVERIES } from './job-store';
import { migrate, SCHEMA_VERSION } from './schema';
import { newJob, tempDbPath } from './testing/store-fixtures';

describe('JobStore', () => {
  test('a job moves queued → running → succeeded, keeping its result and counts', () => {
    const store = new JobStore({ path: ':memory:' });
    const job = store.insert(newJob());
    expect(store.counts.queued).toBe(1);
    expect(store.inputOf(job.seq)).toEqual(newJob().input);
    expect(store.claim(job.seq, 2_000, 'me')).toEqual({ id: job.id, input: newJob().input });
    expect(store.claim(job.seq, 2_000, 'me')).toBeNull();
    expect(store.succeed(job.seq, 3_000, { answer: 42 }, { promptTokens: 1, completionTokens: 2, totalTokens: 3 })).toBe(true);
    const done = store.getById(job.id)!;
    expect(done).toMatchObject({ state: 'succeeded', attempts: 1, startedAt: 2_000, finishedAt: 3_000 });
    expect(JSON.parse(store.resultTextById(job.id)!.result!)).toEqual({ answer: 42 });
    expect(store.counts).toMatchObject({ queued: 0, running: 0, succeeded: 1 });
    expect(store.countByState()).toEqual(store.counts);
  });

  test('a crash of LM Queue gives the running job its attempt back; the job fails only at MAX_CRASH_RECOVERIES crashes', () => {
    const path = tempDbPath();
    let store = new JobStore({ path });
    const job = store.insert(newJob({ maxAttempts: 1 }));
    store.commitPending();
    for (let crash = 1; crash < MAX_CRASH_RECOVERIES; crash++) {
      expect(store.claim(job.seq, 1, 'w')).not.toBeNull();
      store.abandon();
      store = new JobStore({ path });
      expect(store.recoverInterrupted(2)).toEqual({ requeued: 1, failed: 0 });
      expect(store.getById(job.id)).toMatchObject({ state: 'queued', attempts: 0, error: { code: 'interrupted' } });
    }
    expect(store.claim(job.seq, 1, 'w')).not.toBeNull();
    store.abandon();
    store = new JobStore({ path });
    expect(store.recoverInterrupted(2)).toEqual({ requeued: 0, failed: 1 });
    expect(store.getById(job.id)).toMatchObject({ state: 'failed', error: { code: 'interrupted', message: expect.stringMatching(/stopped 5 times/) } });
    expect(store.countByState()).toEqual(store.counts);
    store.close();
  });

  test('synchronous NORMAL by default, FULL when asked (the --durability setting)', () => {
    const normal = new JobStore({ path: tempDbPath() });
    const full = new JobStore({ path: tempDbPath(), synchronous: 'FULL' });
    expect([normal.db.pragma('synchronous', { simple: true }), full.db.pragma('synchronous', { simple: true })]).toEqual([1, 2]);
    normal.close();
    full.close();
  });

  test('guards refuse transitions from the wrong state', () => {
    const store = new JobStore({ path: ':memory:' });
    const job = store.insert(newJob());
    expect(store.succeed(job.seq, 1, null, null)).toBe(false);
    expect(store.cancel(job.seq, 1, 'x', 'queued')).toBe(true);
    expect(store.claim(job.seq, 1, 'me')).toBeNull();
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
    expect(store.inputOf(old.seq)).toBeNull(); // its input went with it
    expect(store.inputOf(recent.seq)).toEqual(newJob().input);
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
    store.abandon(); // killed before the batch committed: nobody was told it was accepted
    store = new JobStore({ path });
    expect(store.getById(kept.id)?.state).toBe('queued');
    expect(store.getById(lost.id)).toBeNull();
    expect(store.countByState().queued).toBe(1);
    store.close();
  });

  test('history by state uses the state index (succeeded jobs are left out of it)', () => {
    const store = new JobStore({ path: ':memory:' });
    const prepare = store.db.prepare.bind(store.db);
    const seen: string[] = [];
    store.db.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof store.db.prepare;
    const failed = store.insert(newJob());
    store.claim(failed.seq, 1, 'w');
    store.fail(failed.seq, 2, { code: 'x', message: 'x' });
    for (const state of ['failed', 'queued', 'succeeded'] as const) {
      seen.length = 0;
      const page = store.history({ state, limit: 10 });
      expect(page.records.map((r) => r.id)).toEqual(state === 'failed' ? [failed.id] : []);
      const plan = JSON.stringify(prepare(`EXPLAIN QUERY PLAN ${seen[0]!}`).all(state, 11));
      if (state === 'succeeded') expect(plan).not.toContain('jobs_by_state_except_succeeded');
      else expect(plan).toContain('jobs_by_state_except_succeeded');
    }
    void store.close();
  });

  test('a database from before inputs and results had their own tables keeps every job', () => {
    const path = tempDbPath();
    const raw = new Database(path);
    migrate(raw, { target: 2 });
    const insert = raw.prepare(`INSERT INTO jobs (id, kind, model, owner, priority, lane, state, attempts, max_attempts,
      created_at, prompt_tokens, input, result, usage, started_at, finished_at) VALUES (?, 'chat', 'm', 'alice', 5, 'interactive',
      ?, ?, 3, 1000, 10, ?, ?, ?, ?, ?)`);
    insert.run('job_done', 'succeeded', 1, '{"messages":["done"]}', '{"answer":42}', '{"promptTokens":1}', 2_000, 3_000);
    insert.run('job_waiting', 'queued', 0, '{"messages":["waiting"]}', null, null, null, null);
    raw.close();
    const upgrades: [number, number][] = [];
    const store = new JobStore({ path, onUpgrade: (from, to) => upgrades.push([from, to]) });
    expect(upgrades).toEqual([[2, SCHEMA_VERSION]]); // said before the history is rewritten
    new JobStore({ path: ':memory:', onUpgrade: (from, to) => upgrades.push([from, to]) }).close();
    expect(upgrades).toHaveLength(1); // a new database is created, not upgraded
    expect(store.getById('job_done')).toMatchObject({ state: 'succeeded', attempts: 1, finishedAt: 3_000 });
    expect(store.resultTextById('job_done')).toEqual({ state: 'succeeded', result: '{"answer":42}' });
    expect(store.inputOf(store.getById('job_done')!.seq)).toEqual({ messages: ['done'] });
    const waiting = store.getById('job_waiting')!;
    expect(store.resultTextById('job_waiting')).toEqual({ state: 'queued', result: null });
    expect(store.claim(waiting.seq, 4_000, 'me')).toEqual({ id: 'job_waiting', input: { messages: ['waiting'] } });
    const columns = (store.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('input');
    expect(columns).not.toContain('result');
    void store.close();
  });

  test('a database from a newer LM Queue is refused, and the directory is not left locked', () => {
    const path = tempDbPath();
    new JobStore({ path }).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new JobStore({ path })).toThrow(/newer than this LM Queue/);
    const older = new Database(path);
    older.pragma(`user_version = ${SCHEMA_VERSION}`);
    older.close();
    new JobStore({ path }).close(); // neither the lock nor the database stayed open
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
        const model = new Map<string, { seq: number; state: JobState; attempts: number; max: number; crashes: number }>();
        const pick = (state: JobState, n: number) => {
          const candidates = [...model.values()].filter((j) => j.state === state);
          return candidates.length ? candidates[n % candidates.length] : undefined;
        };
        for (const o of ops) {
          if (o.type === 'insert') {
            const rec = store.insert(newJob({ maxAttempts: o.attempts }));
            store.commitPending(); // what a host does before acknowledging (await durable())
            model.set(rec.id, { seq: rec.seq, state: 'queued', attempts: 0, max: o.attempts, crashes: 0 });
          } else if (o.type === 'claim') {
            const j = pick('queued', o.pick);
            if (j) {
              expect(store.claim(j.seq, 1, 'w')).not.toBeNull();
              j.state = 'running';
              j.attempts++;
            }
          } else if (o.type === 'crash') {
            // Kill without any cleanup: the process dies with jobs running.
            store.abandon();
            store = new JobStore({ path });
            store.recoverInterrupted(2);
            for (const j of model.values()) {
              if (j.state !== 'running') continue;
              // Our crash is not the job's: the attempt comes back, the crash is counted apart.
              j.crashes++;
              if (j.crashes >= MAX_CRASH_RECOVERIES) j.state = 'failed';
              else [j.state, j.attempts] = ['queued', j.attempts - 1];
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
        store.abandon();
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
