/**
 * A data directory that stops taking writes (disk full, read-only), injected at the
 * better-sqlite3 boundary: a COMMIT fails as SQLite's does (the transaction rolled back), an
 * autocommit write fails before it changes anything. The engine refuses new work, keeps
 * serving reads, holds a finished job's outcome in memory, and resumes once writes succeed.
 */
import { afterEach, expect, test } from 'vitest';
import { isLmqError } from '../../shared/errors';
import { STORAGE_PROBE_MS } from './storage-guard';
import { startHarness, type Harness } from './testing/engine-harness';
import { failSqliteWrites } from './testing/sqlite-faults';

let harness: Harness | undefined;
afterEach(async () => {
  failSqliteWrites(null);
  await harness?.engine.close({ graceMs: 0 });
  harness = undefined;
});

const chat = { kind: 'chat' as const, model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } };

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isLmqError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

test('disk full: new work refused with the path, reads served, a finished outcome held in memory, all resumed once writes succeed', async () => {
  harness = await startHarness({ serviceMs: () => 1_000 });
  const { engine } = harness;
  const running = engine.submit(chat, { owner: 'alice' });
  await harness.runUntil(() => engine.get(running.id).state === 'running');

  failSqliteWrites('SQLITE_FULL');
  // A submission whose group commit fails: its caller hears storage_full, and the job never was.
  const lost = engine.submit(chat, { owner: 'alice' });
  await expect(engine.durable()).rejects.toMatchObject({ code: 'storage_full', message: expect.stringContaining(':memory:') });
  expect(refusal(() => engine.get(lost.id)).code).toBe('not_found');
  expect(engine.counts().queued).toBe(0);
  expect(engine.backend().storage).toMatchObject({ status: 'full', path: ':memory:', message: expect.stringMatching(/disk holding the data directory is full: :memory:/) });
  expect(refusal(() => engine.submit(chat, { owner: 'bob' }))).toMatchObject({ code: 'storage_full', message: expect.stringMatching(/cannot take new work.*resumes by itself/) });

  // The running job finishes while nothing can be written: its outcome waits in memory.
  await harness.step(1_000);
  expect(engine.backend().storage?.unsavedResults).toBe(1);
  expect(engine.get(running.id).state).toBe('running'); // reads go on: the disk's word
  expect(engine.snapshot().counts.running).toBe(1);
  await harness.step(STORAGE_PROBE_MS); // still full: the probe fails, nothing changes
  expect(engine.backend().storage?.status).toBe('full');

  failSqliteWrites(null);
  await harness.step(STORAGE_PROBE_MS);
  expect(engine.backend().storage).toMatchObject({ status: 'ok', message: null, unsavedResults: 0 });
  expect(engine.get(running.id).state).toBe('succeeded');
  const after = engine.submit(chat, { owner: 'bob' });
  await engine.durable();
  await harness.runUntil(() => engine.get(after.id).state === 'succeeded');
  expect(harness.backend.violations).toEqual([]);
});

test('read-only: a claim whose commit fails never reaches LM Studio and the job stays queued, then runs', async () => {
  harness = await startHarness({ serviceMs: () => 1_000 });
  const { engine } = harness;
  engine.setPaused(true);
  const job = engine.submit(chat, { owner: 'alice' });
  await engine.durable();
  failSqliteWrites('SQLITE_READONLY');
  // Resuming is a write too: refused, saying why.
  expect(refusal(() => engine.setPaused(false))).toMatchObject({ code: 'storage_read_only', message: expect.stringContaining('read-only: :memory:') });
  expect(engine.paused()).toBe(true);
  expect(engine.backend().storage?.status).toBe('read_only');
  failSqliteWrites(null);
  await harness.step(STORAGE_PROBE_MS);
  engine.setPaused(false);
  failSqliteWrites('SQLITE_READONLY_DBMOVED');
  await harness.step(10);
  expect(harness.backend.served).toHaveLength(0);
  expect(engine.get(job.id).state).toBe('queued');
  expect(engine.counts().queued).toBe(1);
  failSqliteWrites(null);
  await harness.step(STORAGE_PROBE_MS);
  await harness.runUntil(() => engine.get(job.id).state === 'succeeded');
  expect(harness.backend.served.map((s) => s.jobId)).toEqual([job.id]);
});

test('a cancel that cannot be written is refused as storage_full and the job stays queued', async () => {
  harness = await startHarness();
  const { engine } = harness;
  engine.setPaused(true);
  const job = engine.submit(chat, { owner: 'alice' });
  await engine.durable();
  failSqliteWrites('SQLITE_FULL');
  expect(refusal(() => engine.cancel(job.id))).toMatchObject({ code: 'storage_full' });
  expect(engine.get(job.id)).toMatchObject({ state: 'queued', position: 1 });
  expect(engine.counts().queued).toBe(1);
});
