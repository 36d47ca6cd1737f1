/**
 * The mirror against a real Neo4j, where the test environment has one: set NEO4J_URI (and
 * NEO4J_USER, default neo4j; NEO4J_PASSWORD; NEO4J_DATABASE). Without NEO4J_URI these are skipped;
 * the Bolt test peer covers the same paths at the wire level (neo4j-mirror.test.ts).
 */
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Neo4jSettings } from '../config';
import { JobStore } from '../store/job-store';
import { newJob, tempDbPath } from '../store/testing/store-fixtures';
import { UPSERT_JOBS } from './graph-statements';
import { openNeo4jMirror, type Neo4jMirror } from './neo4j-mirror';

const uri = process.env['NEO4J_URI'];
const settings: Neo4jSettings | null = uri
  ? { uri, user: process.env['NEO4J_USER'] ?? 'neo4j', password: process.env['NEO4J_PASSWORD'] ?? '', database: process.env['NEO4J_DATABASE'] ?? null }
  : null;
const WAIT = { timeout: 20_000, interval: 50 };
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** Per run, so the test's nodes are its own and can be removed after. */
const owner = `lmq-test-${Date.now()}`;

describe.skipIf(!settings)('Neo4j mirror against a real Neo4j (set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to run)', () => {
  let driver: Driver;
  let store: JobStore;
  let mirror: Neo4jMirror;

  const read = async (query: string, params: Record<string, unknown> = {}) => {
    const result = await driver.executeQuery(query, params, { database: settings!.database ?? undefined });
    return result.records.map((r) => r.toObject());
  };

  beforeAll(() => {
    driver = neo4j.driver(settings!.uri, neo4j.auth.basic(settings!.user, settings!.password), { disableLosslessIntegers: true });
    store = new JobStore({ path: ':memory:' });
    mirror = openNeo4jMirror({ settings: settings!, db: store.db, logger: quiet, tuning: { pollMs: 10, backoff: { baseMs: 50, maxMs: 500 } } });
    mirror.start();
  });

  afterAll(async () => {
    await mirror.close();
    await store.close();
    await read('MATCH (o:Owner {name: $owner})-[:SUBMITTED]->(j:Job) OPTIONAL MATCH (j)-[:CHILD_OF]->(p:Job) DETACH DELETE j, p, o', { owner });
    await read(`MATCH (n) WHERE (n:Model AND n.id = 'lmq-test-model') OR (n:Schedule AND n.name STARTS WITH $owner) DETACH DELETE n`, { owner });
    await driver.close();
  });

  test('creates the constraints and mirrors each transition as a graph', async () => {
    await vi.waitFor(() => expect(mirror.state().connected).toBe(true), WAIT);
    const constraints = await read('SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names');
    expect(constraints[0]!['names']).toEqual(expect.arrayContaining(['lmq_job_id', 'lmq_owner_name', 'lmq_model_id', 'lmq_schedule_name']));

    const job = store.insertChild(newJob({ owner, model: 'lmq-test-model', metadata: { schedule: `${owner}-nightly` } }), `${owner}-parent`, 0)!;
    store.commitPending();
    store.claim(job.seq, 2_000, 'me');
    store.succeed(job.seq, 3_000, null, null);
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBe(0), WAIT);
    const [graph] = await read(
      `MATCH (o:Owner {name: $owner})-[:SUBMITTED]->(j:Job {id: $id})-[:ON_MODEL]->(m:Model),
             (s:Schedule)-[:CREATED]->(j), (j)-[:CHILD_OF]->(p:Job)
       RETURN j.state AS state, j.attempts AS attempts, j.stage AS stage, j.progress AS progress, toString(j.finishedAt) AS finishedAt,
              m.id AS model, s.name AS schedule, p.id AS parent`,
      { owner, id: job.id },
    );
    expect(graph).toEqual({
      state: 'succeeded', attempts: 1, stage: 'done', progress: 1, finishedAt: '1970-01-01T00:00:03Z',
      model: 'lmq-test-model', schedule: `${owner}-nightly`, parent: `${owner}-parent`,
    });
  });

  test('sending the same batch again leaves the same graph (replay is idempotent)', async () => {
    const count = async () =>
      (await read('MATCH (o:Owner {name: $owner})-[r]->(j:Job) OPTIONAL MATCH (j)-[r2]->() RETURN count(DISTINCT j) AS jobs, count(DISTINCT r2) AS rels', { owner }))[0];
    const before = await count();
    const job = store.transaction(() => store.insert(newJob({ owner, model: 'lmq-test-model' })));
    await vi.waitFor(() => expect(mirror.state().lag.rows).toBe(0), WAIT);
    const once = await count();
    const row = { id: job.id, kind: 'chat', model: 'lmq-test-model', owner, state: 'queued', priority: neo4j.int(5), lane: 'interactive', stage: 'queued',
      progress: 0, attempts: neo4j.int(0), createdAt: new Date(1_000).toISOString(), startedAt: null, finishedAt: null, error: null, schedule: null, parentId: null };
    await driver.executeQuery(UPSERT_JOBS, { rows: [row] }, { database: settings!.database ?? undefined });
    expect(await count()).toEqual(once);
    expect(once!['jobs']).toBe((before!['jobs'] as number) + 1);
  });

  test('first configured on an existing database: every job already there is backfilled', async () => {
    const path = tempDbPath();
    const before = new JobStore({ path });
    const ids = before.transaction(() =>
      Array.from({ length: 300 }, (_, i) => {
        const job = before.insert(newJob({ owner, model: 'lmq-test-model' }));
        if (i % 2 === 0) {
          before.claim(job.seq, 2_000, 'old-run');
          before.succeed(job.seq, 3_000, null, null);
        }
        return job.id;
      }),
    );
    await before.close();
    const existing = new JobStore({ path });
    const backfilling = openNeo4jMirror({ settings: settings!, db: existing.db, logger: quiet, tuning: { pollMs: 10, backfillChunk: 100 } });
    backfilling.start();
    try {
      await vi.waitFor(() => expect(backfilling.state().backfill).toMatchObject({ state: 'done', scope: 'all', jobs: 300 }), WAIT);
      const [counts] = await read(
        `MATCH (:Owner {name: $owner})-[:SUBMITTED]->(j:Job) WHERE j.id IN $ids
         RETURN count(j) AS jobs, sum(CASE j.state WHEN 'succeeded' THEN 1 ELSE 0 END) AS succeeded`,
        { owner, ids },
      );
      expect(counts).toEqual({ jobs: 300, succeeded: 150 });
    } finally {
      await backfilling.close();
      await existing.close();
    }
  });

  test('a wrong password is reported', async () => {
    const otherStore = new JobStore({ path: ':memory:' });
    const refused = openNeo4jMirror({ settings: { ...settings!, password: `${settings!.password}-wrong` }, db: otherStore.db, logger: quiet });
    refused.start();
    try {
      await vi.waitFor(() => expect(refused.state().lastError).toMatch(/Unauthorized|authentication/i), WAIT);
    } finally {
      await refused.close();
      await otherStore.close();
    }
  });
});
