import { afterEach, describe, expect, test, vi } from 'vitest';
import { BoltTestPeer, type BoltStatement } from '../testing/bolt-test-peer';
import { JobStore } from '../store/job-store';
import { newJob } from '../store/testing/store-fixtures';
import { CONSTRAINT_STATEMENTS, UPSERT_JOBS, type LiveProgress } from './graph-statements';
import { openNeo4jMirror, type Neo4jMirror } from './neo4j-mirror';

const WAIT = { timeout: 10_000, interval: 10 };
const TUNING = { pollMs: 5, backoff: { baseMs: 10, maxMs: 100 } };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Row = Record<string, unknown>;

async function setUp(options: { password?: string; batchSize?: number; maxOutboxRows?: number; liveProgress?: LiveProgress } = {}) {
  const peer = await BoltTestPeer.start();
  const store = new JobStore({ path: ':memory:' });
  const mirror: Neo4jMirror = openNeo4jMirror({
    settings: { uri: peer.uri, user: 'neo4j', password: options.password ?? 'test-password', database: 'neo4j' },
    db: store.db,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    tuning: { ...TUNING, batchSize: options.batchSize, maxOutboxRows: options.maxOutboxRows },
  });
  mirror.start({ liveProgress: options.liveProgress });
  cleanups.push(() => peer.stop());
  cleanups.push(() => store.close());
  cleanups.push(() => mirror.close());
  return { peer, store, mirror };
}

const upserts = (statements: BoltStatement[]) => statements.filter((s) => s.query === UPSERT_JOBS);
const rowsOf = (statements: BoltStatement[]): Row[] => upserts(statements).flatMap((s) => s.parameters['rows'] as Row[]);
/** The last record Neo4j committed for the job. */
const lastCommitted = (peer: BoltTestPeer, id: string): Row | undefined => rowsOf(peer.committed()).findLast((r) => r['id'] === id);

describe('Neo4j mirror (against the Bolt test peer, real neo4j-driver)', () => {
  test('creates the uniqueness constraints first, then mirrors each transition with the whole record', async () => {
    const { peer, store, mirror } = await setUp();
    await vi.waitFor(() => expect(peer.committed().map((s) => s.query)).toEqual([...CONSTRAINT_STATEMENTS]), WAIT);

    // A scheduled child of a parent job (a batch's line, say): both links.
    const job = store.insertChild(newJob({ owner: 'bob', model: 'qwen', priority: 7, metadata: { schedule: 'nightly' } }), 'job_parent', 0)!;
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)?.['state']).toBe('queued'), WAIT);
    expect(lastCommitted(peer, job.id)).toEqual({
      id: job.id, kind: 'chat', model: 'qwen', owner: 'bob', state: 'queued', priority: 7, lane: 'interactive',
      stage: 'queued', progress: 0, attempts: 0, createdAt: new Date(1_000).toISOString(), startedAt: null,
      finishedAt: null, error: null, schedule: 'nightly', parentId: 'job_parent',
    });

    store.reprioritize(job.seq, 9);
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)?.['priority']).toBe(9), WAIT);
    store.claim(job.seq, 2_000, 'me');
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)).toMatchObject({ state: 'running', attempts: 1, stage: 'running' }), WAIT);
    store.requeue(job.seq, 5_000, { code: 'backend_down', message: 'LM Studio is down' });
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)).toMatchObject({ state: 'queued', error: 'LM Studio is down' }), WAIT);
    store.claim(job.seq, 6_000, 'me');
    store.succeed(job.seq, 7_000, { ok: true }, null);
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)).toMatchObject({
      state: 'succeeded', stage: 'done', progress: 1, attempts: 2,
      startedAt: new Date(6_000).toISOString(), finishedAt: new Date(7_000).toISOString(), error: null,
    }), WAIT);

    const failed = store.insert(newJob());
    store.commitPending();
    store.claim(failed.seq, 1, 'me');
    store.fail(failed.seq, 2, { code: 'bad_request', message: 'no such model' });
    const canceled = store.insert(newJob());
    store.commitPending();
    store.cancel(canceled.seq, 3, 'canceled by request', 'queued');
    await vi.waitFor(() => {
      expect(lastCommitted(peer, failed.id)).toMatchObject({ state: 'failed', error: 'no such model', schedule: null, parentId: null });
      expect(lastCommitted(peer, canceled.id)).toMatchObject({ state: 'canceled', error: 'canceled by request' });
    }, WAIT);
    // One statement text for every batch, every transition.
    expect(new Set(peer.statements.slice(CONSTRAINT_STATEMENTS.length).map((s) => s.query))).toEqual(new Set([UPSERT_JOBS]));
    await vi.waitFor(() => expect(mirror.state()).toMatchObject({ connected: true, lastError: null, lag: { rows: 0, seconds: 0 } }), WAIT);
  });

  test('a burst of 10k changes goes in a few transactions, one row per job each', async () => {
    const { peer, store, mirror } = await setUp({ batchSize: 2_000 });
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    const before = upserts(peer.committed()).length;
    const ids = store.transaction(() => {
      const jobs = Array.from({ length: 5_000 }, () => store.insert(newJob()));
      for (const job of jobs) store.reprioritize(job.seq, 8);
      return jobs.map((j) => j.id);
    });
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBe(0), WAIT);
    const batches = upserts(peer.committed()).slice(before);
    expect(batches.length).toBeLessThanOrEqual(5);
    const rows = batches.flatMap((s) => s.parameters['rows'] as Row[]);
    expect(new Set(rows.map((r) => r['id']))).toEqual(new Set(ids));
    const priorityById = new Map(rows.map((r) => [r['id'], r['priority']]));
    expect(ids.every((id) => priorityById.get(id) === 8)).toBe(true);
    expect(mirror.state().mirroredChanges).toBe(10_000);
  });

  test('the outbox is kept until Neo4j commits; a lost COMMIT is replayed with the same statement after a reconnect', async () => {
    const { peer, store, mirror } = await setUp();
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    peer.holdCommits(true);
    const job = store.insert(newJob());
    await vi.waitFor(() => expect(peer.heldCommitCount).toBe(1), WAIT);
    const sent = upserts(peer.statements).at(-1)!;
    expect(sent.committed).toBe(false);
    expect(mirror.state().lag.rows).toBe(1); // not advanced before the commit

    await peer.stop(); // the COMMIT answer never arrives
    await vi.waitFor(() => expect(mirror.state().connected).toBe(false), WAIT);
    expect(mirror.state().lag.rows).toBe(1);
    peer.holdCommits(false);
    await peer.restart();
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBe(0), WAIT);
    const replay = upserts(peer.committed()).at(-1)!;
    expect(replay.query).toBe(sent.query);
    expect(replay.parameters).toEqual(sent.parameters);
    expect(lastCommitted(peer, job.id)?.['state']).toBe('queued');
  });

  test('Neo4j down for a while: changes wait in the outbox, nothing is lost, and it catches up', async () => {
    const { peer, store, mirror } = await setUp();
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    await peer.stop();
    const jobs = Array.from({ length: 200 }, () => store.insert(newJob()));
    store.commitPending();
    for (const job of jobs) {
      store.claim(job.seq, 2, 'me');
      store.succeed(job.seq, 3, null, null);
    }
    await vi.waitFor(() => expect(mirror.state()).toMatchObject({ connected: false, lastError: expect.stringMatching(/.+/) }), WAIT);
    expect(mirror.state().lag.rows).toBe(600);
    await peer.restart();
    await vi.waitFor(() => expect(mirror.state()).toMatchObject({ connected: true, lastError: null, lag: { rows: 0 } }), WAIT);
    expect(jobs.every((j) => lastCommitted(peer, j.id)?.['state'] === 'succeeded')).toBe(true);
  });

  test('while Neo4j is away the outbox stays bounded: superseded rows are coalesced, the latest per job kept', async () => {
    const { peer, store, mirror } = await setUp({ maxOutboxRows: 50 });
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    await peer.stop();
    const jobs = Array.from({ length: 20 }, () => store.insert(newJob()));
    store.commitPending();
    for (let i = 1; i <= 10; i++) for (const job of jobs) store.reprioritize(job.seq, i % 2 === 0 ? 8 : 3);
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBeLessThanOrEqual(50), WAIT);
    await peer.restart();
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBe(0), WAIT);
    expect(jobs.every((j) => lastCommitted(peer, j.id)?.['priority'] === 8)).toBe(true);
  });

  test('a running job\'s progress is mirrored (at most once a second per job)', async () => {
    let live: ReturnType<LiveProgress> = null;
    const { peer, store, mirror } = await setUp({ liveProgress: () => live });
    const job = store.insert(newJob());
    store.commitPending();
    store.claim(job.seq, 2, 'me');
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)?.['state']).toBe('running'), WAIT);
    const sentBefore = rowsOf(peer.committed()).filter((r) => r['id'] === job.id).length;
    live = { fraction: 0.4, stage: 'generating' };
    for (let i = 0; i < 5; i++) mirror.noteProgress(job.seq);
    await vi.waitFor(() => expect(lastCommitted(peer, job.id)).toMatchObject({ state: 'running', stage: 'generating', progress: 0.4 }), WAIT);
    expect(rowsOf(peer.committed()).filter((r) => r['id'] === job.id)).toHaveLength(sentBefore + 1);
  });

  test('a refused password is reported, and the changes wait', async () => {
    const { peer, store, mirror } = await setUp({ password: 'wrong' });
    store.insert(newJob());
    store.commitPending();
    await vi.waitFor(() => expect(mirror.state().lastError).toMatch(/Neo\.ClientError\.Security\.Unauthorized/), WAIT);
    expect(mirror.state()).toMatchObject({ connected: false, lag: { rows: 1 } });
    expect(peer.statements).toHaveLength(0);
    expect(peer.authFailures).toBeGreaterThanOrEqual(1);
  });
});
