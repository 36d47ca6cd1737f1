/**
 * The Neo4j backfill, against the Bolt test peer: jobs already in SQLite when the mirror is first
 * configured reach Neo4j in chunks, resumably; jobs that changed while LM Queue ran without the
 * mirror are sent again at the next start, and only those; health shows the progress.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { BoltTestPeer, type BoltStatement } from '../testing/bolt-test-peer';
import { JobStore } from '../store/job-store';
import { newJob, tempDbPath } from '../store/testing/store-fixtures';
import { UPSERT_JOBS } from './graph-statements';
import { openNeo4jMirror, type Neo4jMirror } from './neo4j-mirror';

const WAIT = { timeout: 15_000, interval: 10 };
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Row = Record<string, unknown>;
const upserts = (statements: BoltStatement[]) => statements.filter((s) => s.query === UPSERT_JOBS);
const rowsOf = (statements: BoltStatement[]): Row[] => upserts(statements).flatMap((s) => s.parameters['rows'] as Row[]);

/** A database with `count` jobs from before the mirror: finished long ago, except the last `queued`. */
function existingDatabase(count: number, queued = 0): { path: string; ids: string[] } {
  const path = tempDbPath();
  const store = new JobStore({ path });
  const ids = store.transaction(() =>
    Array.from({ length: count }, (_, i) => {
      const job = store.insert(newJob({ owner: `owner-${i % 3}`, model: i % 2 ? 'qwen' : 'nomic-embed' }));
      if (i < count - queued) {
        store.claim(job.seq, 2_000, 'old-run');
        store.succeed(job.seq, 3_000, { ok: true }, null);
      }
      return job.id;
    }),
  );
  void store.close();
  return { path, ids };
}

function openWithMirror(path: string, peer: BoltTestPeer, backfillChunk = 500) {
  const store = new JobStore({ path });
  const mirror: Neo4jMirror = openNeo4jMirror({
    settings: { uri: peer.uri, user: 'neo4j', password: 'test-password', database: 'neo4j' },
    db: store.db,
    logger: silent,
    tuning: { pollMs: 5, backoff: { baseMs: 10, maxMs: 100 }, backfillChunk },
  });
  mirror.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await mirror.close();
    await store.close();
  };
  cleanups.push(close);
  return { store, mirror, close };
}

async function startPeer(): Promise<BoltTestPeer> {
  const peer = await BoltTestPeer.start();
  cleanups.push(() => peer.stop());
  return peer;
}

describe('Neo4j backfill (real neo4j-driver, Bolt test peer)', () => {
  test('first configured on an existing database: every job already there reaches Neo4j, in chunks, and health shows the progress', async () => {
    const { path, ids } = existingDatabase(2_000, 20);
    const peer = await startPeer();
    peer.holdCommits(true);
    const { mirror } = openWithMirror(path, peer);
    // The constraints' commits pass; the first chunk's is held: running, nothing counted before Neo4j commits.
    await vi.waitFor(() => {
      if (upserts(peer.statements).length === 0) peer.releaseCommits();
      expect(upserts(peer.statements)).toHaveLength(1);
      expect(peer.heldCommitCount).toBe(1);
    }, WAIT);
    expect(mirror.state().backfill).toMatchObject({ state: 'running', scope: 'all', jobs: 0, fraction: 0, finishedAt: null });
    peer.releaseCommits();
    await vi.waitFor(() => expect(upserts(peer.statements).length).toBeGreaterThanOrEqual(2), WAIT);
    await vi.waitFor(() => expect(mirror.state().backfill).toMatchObject({ state: 'running', jobs: 500, fraction: 0.25 }), WAIT);
    peer.holdCommits(false);
    await vi.waitFor(() => expect(mirror.state().backfill).toMatchObject({ state: 'done', scope: 'all', jobs: 2_000, fraction: 1 }), WAIT);

    const batches = upserts(peer.committed());
    expect(batches.map((s) => (s.parameters['rows'] as Row[]).length)).toEqual([500, 500, 500, 500]);
    const rows = rowsOf(peer.committed());
    expect(rows.map((r) => r['id'])).toEqual(ids);
    expect(rows[0]).toMatchObject({ owner: 'owner-0', model: 'nomic-embed', state: 'succeeded', attempts: 1, finishedAt: new Date(3_000).toISOString() });
    expect(rows.at(-1)).toMatchObject({ state: 'queued', finishedAt: null });
    expect(mirror.state().backfill?.finishedAt).toEqual(expect.any(String));
  });

  test('resumable: a restart in the middle goes on after the last chunk Neo4j committed, and sends none twice', async () => {
    const { path, ids } = existingDatabase(2_000);
    const peer = await startPeer();
    const first = openWithMirror(path, peer);
    await vi.waitFor(() => expect(first.mirror.state().backfill?.jobs).toBeGreaterThanOrEqual(500), WAIT);
    peer.holdCommits(true);
    await vi.waitFor(() => expect(peer.heldCommitCount).toBe(1), WAIT);
    const committedBefore = rowsOf(peer.committed()).map((r) => r['id']);
    expect(committedBefore.length).toBeGreaterThanOrEqual(500);
    expect(committedBefore.length).toBeLessThan(2_000);
    await peer.stop(); // the held chunk never commits
    await first.close();
    peer.holdCommits(false);
    await peer.restart();

    const second = openWithMirror(path, peer);
    await vi.waitFor(() => expect(second.mirror.state().backfill).toMatchObject({ state: 'done', jobs: 2_000 }), WAIT);
    const committed = rowsOf(peer.committed()).map((r) => r['id']);
    // Every job once: the chunk in flight at the stop was sent again, the committed ones were not.
    expect(committed).toEqual(ids);
  });

  test('run for a while without the mirror: the next start sends the jobs that changed meanwhile, and only those', async () => {
    const { path } = existingDatabase(1_000);
    const peer = await startPeer();
    const first = openWithMirror(path, peer);
    await vi.waitFor(() => expect(first.mirror.state().backfill?.state).toBe('done'), WAIT);
    await first.close();

    // LM Queue without the Neo4j settings: no outbox rows for these changes.
    const plain = new JobStore({ path });
    const now = Date.now();
    const added = plain.insert(newJob({ createdAt: now, owner: 'carol' }));
    plain.commitPending();
    const finished = plain.insert(newJob({ createdAt: now }));
    plain.commitPending();
    plain.claim(finished.seq, now + 1, 'plain-run');
    plain.succeed(finished.seq, now + 2, { ok: true }, null);
    expect(plain.db.prepare('SELECT count(*) AS n FROM mirror_outbox').get()).toEqual({ n: 0 });
    await plain.close();

    const before = upserts(peer.committed()).length;
    const second = openWithMirror(path, peer);
    await vi.waitFor(() => expect(second.mirror.state().backfill).toMatchObject({ state: 'done', scope: 'changed', fraction: 1 }), WAIT);
    const sent = rowsOf(upserts(peer.committed()).slice(before));
    expect(sent.map((r) => [r['id'], r['state']])).toEqual([
      [added.id, 'queued'],
      [finished.id, 'succeeded'],
    ]);
    expect(second.mirror.state().backfill?.jobs).toBe(2);
  });

  test('changes made while the backfill runs reach Neo4j at once, not after it', async () => {
    const { path } = existingDatabase(3_000);
    const peer = await startPeer();
    peer.delayMs = 20; // a slow Neo4j: the backfill takes a while
    const { store, mirror } = openWithMirror(path, peer, 200);
    await vi.waitFor(() => expect(mirror.state().backfill?.jobs).toBeGreaterThan(0), WAIT);
    const live = store.insert(newJob({ owner: 'dave' }));
    store.commitPending();
    await vi.waitFor(() => expect(rowsOf(peer.committed()).some((r) => r['id'] === live.id)).toBe(true), WAIT);
    expect(mirror.state().backfill?.state).toBe('running');
    peer.delayMs = 0;
    await vi.waitFor(() => expect(mirror.state().backfill?.state).toBe('done'), WAIT);
  });

  test('an empty database owes nothing: the backfill is done at once and sends nothing', async () => {
    const peer = await startPeer();
    const { mirror } = openWithMirror(tempDbPath(), peer);
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    expect(mirror.state().backfill).toMatchObject({ state: 'done', scope: 'all', jobs: 0, fraction: 1 });
    expect(upserts(peer.statements)).toEqual([]);
  });
});
