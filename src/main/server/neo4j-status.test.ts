import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoltTestPeer } from '../core/testing/bolt-test-peer';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const WAIT = { ...SERVER_WAIT, timeout: 10_000 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWithNeo4j(password: string): Promise<{ h: HttpHarness; peer: BoltTestPeer }> {
  const peer = await BoltTestPeer.start();
  cleanups.push(() => peer.stop());
  const h = await startHttpHarness({ engine: { neo4j: { uri: peer.uri, user: 'neo4j', password } } });
  cleanups.push(() => h.close());
  return { h, peer };
}

describe('the Neo4j mirror in /api/health and /metrics', () => {
  it('reports connected with no lag once a job is mirrored', async () => {
    const { h, peer } = await serverWithNeo4j('test-password');
    const { job } = (await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } } })).body;
    await vi.waitFor(() => expect(h.engine.get(job.id).state).toBe('succeeded'), WAIT);
    await vi.waitFor(async () => {
      const health = (await call(h, 'GET', '/api/health')).body;
      expect(health.neo4j).toEqual({
        connected: true, lag: { rows: 0, seconds: 0 }, lastError: null, lastSyncAt: expect.any(String),
        // A new database: nothing from before the mirror, so the backfill is done at once.
        backfill: { state: 'done', scope: 'all', jobs: 0, fraction: 1, startedAt: expect.any(String), finishedAt: expect.any(String) },
      });
    }, WAIT);
    expect(peer.committed().some((s) => JSON.stringify(s.parameters).includes(job.id))).toBe(true);
    const metrics = (await call(h, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^lmq_neo4j_connected 1$/m);
    expect(metrics).toMatch(/^lmq_neo4j_lag_rows 0$/m);
    expect(metrics).toMatch(/^lmq_neo4j_backfill_fraction 1$/m);
  });

  it('reports a refused password, and the changes waiting', async () => {
    const { h } = await serverWithNeo4j('wrong-password');
    await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } } });
    await vi.waitFor(async () => {
      const health = (await call(h, 'GET', '/api/health')).body;
      expect(health.ok).toBe(true); // Neo4j is not LM Queue itself
      expect(health.neo4j).toMatchObject({ connected: false, lastError: expect.stringContaining('Neo.ClientError.Security.Unauthorized') });
      expect(health.neo4j.lag.rows).toBeGreaterThan(0);
    }, WAIT);
    const metrics = (await call(h, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^lmq_neo4j_connected 0$/m);
    expect(metrics).toMatch(/^lmq_neo4j_lag_rows [1-9]\d*$/m);
  });
});
