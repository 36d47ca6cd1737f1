import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { SubmitJobRequest } from '../../../shared/job';
import type { EngineConfig } from '../config';
import { BoltTestPeer, type BoltStatement } from '../testing/bolt-test-peer';
import { startHarness, type Harness } from '../testing/engine-harness';
import { UPSERT_JOBS } from './graph-statements';

const WAIT = { timeout: 15_000, interval: 20 };
const chat: SubmitJobRequest = { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harnessWith(config: Partial<EngineConfig>): Promise<Harness> {
  const harness = await startHarness({}, config);
  cleanups.push(() => harness.engine.close({ graceMs: 0 }));
  return harness;
}

async function startPeer(): Promise<BoltTestPeer> {
  const peer = await BoltTestPeer.start();
  cleanups.push(() => peer.stop());
  return peer;
}

const neo4jFor = (peer: BoltTestPeer) => ({ neo4j: { uri: peer.uri, user: 'neo4j', password: 'test-password' } });

/** Each job's state in the last row Neo4j committed for it. */
function committedStates(peer: BoltTestPeer): Map<string, unknown> {
  const rows = peer.committed().filter((s: BoltStatement) => s.query === UPSERT_JOBS).flatMap((s) => s.parameters['rows'] as Record<string, unknown>[]);
  return new Map(rows.map((r) => [r['id'] as string, r['state']]));
}

/** Submits `n` jobs and steps the fake clock until all have succeeded; returns ids and the wall time it took. */
async function runJobs(harness: Harness, n: number): Promise<{ ids: string[]; wallMs: number }> {
  const started = performance.now();
  const target = harness.engine.counts().succeeded + n;
  const ids = Array.from({ length: n }, () => harness.engine.submit(chat, { owner: 'alice' }).id);
  await harness.runUntil(() => harness.engine.counts().succeeded === target);
  return { ids, wallMs: performance.now() - started };
}

describe('engine with the Neo4j mirror', () => {
  test('without the settings nothing of Neo4j runs', async () => {
    const { engine } = await harnessWith({});
    expect(engine.backend().neo4j).toBeNull();
  });

  test('turned on for a data directory with jobs already in it: they are backfilled, and backend() shows it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lmq-engine-mirror-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const before = await startHarness({}, { dataDir });
    const { ids } = await runJobs(before, 30);
    await before.engine.close({ graceMs: 0 });

    const peer = await startPeer();
    const { engine } = await harnessWith({ dataDir, ...neo4jFor(peer) });
    await vi.waitFor(() => expect(engine.backend().neo4j?.backfill).toMatchObject({ state: 'done', scope: 'all', jobs: 30, fraction: 1 }), WAIT);
    const states = committedStates(peer);
    expect(ids.map((id) => states.get(id))).toEqual(Array(30).fill('succeeded'));
  });

  test('every job\'s record reaches Neo4j as it changes, and the state is in backend()', async () => {
    const peer = await startPeer();
    const harness = await harnessWith(neo4jFor(peer));
    const { ids } = await runJobs(harness, 30);
    await vi.waitFor(() => {
      const states = committedStates(peer);
      expect(ids.map((id) => states.get(id))).toEqual(ids.map(() => 'succeeded'));
    }, WAIT);
    await vi.waitFor(() => expect(harness.engine.backend().neo4j).toMatchObject({ uri: peer.uri, connected: true, lastError: null, lag: { rows: 0 } }), WAIT);
  });

  test('Neo4j down or hanging blocks nothing: jobs finish as fast as with the mirror off, and the mirror catches up', async () => {
    const baseline = await runJobs(await harnessWith({}), 200);

    const peer = await startPeer();
    peer.holdCommits(true); // hangs at the first COMMIT (the constraints)
    const harness = await harnessWith(neo4jFor(peer));
    await vi.waitFor(() => expect(peer.heldCommitCount).toBe(1), WAIT);
    const hanging = await runJobs(harness, 200);
    await peer.stop();
    const down = await runJobs(harness, 200);
    expect(hanging.wallMs).toBeLessThan(baseline.wallMs * 3 + 500);
    expect(down.wallMs).toBeLessThan(baseline.wallMs * 3 + 500);
    await vi.waitFor(() => expect(harness.engine.backend().neo4j).toMatchObject({ connected: false, lastError: expect.any(String) }), WAIT);
    expect(harness.engine.backend().neo4j!.lag.rows).toBeGreaterThanOrEqual(400);

    peer.holdCommits(false);
    await peer.restart();
    await vi.waitFor(() => expect(harness.engine.backend().neo4j).toMatchObject({ connected: true, lag: { rows: 0 } }), WAIT);
    const states = committedStates(peer);
    expect([...hanging.ids, ...down.ids].every((id) => states.get(id) === 'succeeded')).toBe(true);
  });
});
