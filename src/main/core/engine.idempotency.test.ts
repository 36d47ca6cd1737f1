/** Idempotency keys are stored with their job: a restart (a crash after the commit) still knows them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { SubmitJobRequest } from '../../shared/job';
import { createEngine } from './engine';
import type { Engine } from './engine-api';
import { IDEMPOTENCY_WINDOW_MS } from './store/idempotency-store';
import { FakeBackend } from './testing/fake-backend';
import { FakeClock } from './testing/fake-clock';

let engine: Engine | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await engine?.close({ graceMs: 0 });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const request: SubmitJobRequest = { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'once' }] } };

test('a key outlives a restart, is per owner, and is forgotten after a day', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-idem-'));
  const clock = new FakeClock();
  const open = () => createEngine({ dataDir: dataDir!, backend: new FakeBackend(clock, { models: ['model-a'], slots: 1 }), clock, startPaused: true });
  engine = await open();
  const first = engine.submit(request, { owner: 'alice', idempotencyKey: 'k1' });
  await engine.durable();
  await engine.close({ graceMs: 0 });

  engine = await open();
  expect(engine.submit(request, { owner: 'alice', idempotencyKey: 'k1' }).id).toBe(first.id);
  // Key order in the body does not make it another request.
  const reordered = { input: { messages: [{ content: 'once', role: 'user' }] }, model: 'model-a', kind: 'chat' } as SubmitJobRequest;
  expect(engine.submit(reordered, { owner: 'alice', idempotencyKey: 'k1' }).id).toBe(first.id);
  expect(() => engine!.submit({ ...request, priority: 9 }, { owner: 'alice', idempotencyKey: 'k1' })).toThrow(/used within the last 24 hours for a different request/);
  expect(engine.submit(request, { owner: 'bob', idempotencyKey: 'k1' }).id).not.toBe(first.id);
  clock.advance(IDEMPOTENCY_WINDOW_MS + 1);
  expect(engine.submit(request, { owner: 'alice', idempotencyKey: 'k1' }).id).not.toBe(first.id);
});
