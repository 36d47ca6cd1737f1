/** The admin's dispatch pause is kept in the data directory: a restart does not quietly resume. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createEngine } from './engine';
import type { Engine } from './engine-api';
import { FakeBackend } from './testing/fake-backend';
import { FakeClock, settle } from './testing/fake-clock';

const dirs: string[] = [];
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  engine = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dataDir: string, startPaused = false): Promise<{ engine: Engine; backend: FakeBackend }> {
  const clock = new FakeClock();
  const backend = new FakeBackend(clock, { models: ['model-a'], slots: 2 });
  return { engine: await createEngine({ dataDir, backend, clock, startPaused }), backend };
}

test('a pause survives a restart, and so does the resume', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-pause-'));
  dirs.push(dataDir);
  ({ engine } = await open(dataDir));
  engine.setPaused(true);
  await engine.close({ graceMs: 0 });

  const reopened = await open(dataDir);
  engine = reopened.engine;
  expect(engine.paused()).toBe(true);
  expect(engine.snapshot().paused).toBe(true);
  const job = engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } }, { owner: 'alice' });
  await settle();
  expect(reopened.backend.inFlight.size).toBe(0);
  expect(engine.get(job.id).state).toBe('queued');
  engine.setPaused(false);
  await engine.close({ graceMs: 0 });

  ({ engine } = await open(dataDir));
  expect(engine.paused()).toBe(false);
});

test('startPaused holds for that run only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-pause-'));
  dirs.push(dataDir);
  ({ engine } = await open(dataDir, true));
  expect(engine.paused()).toBe(true);
  await engine.close({ graceMs: 0 });
  ({ engine } = await open(dataDir));
  expect(engine.paused()).toBe(false);
});
