/** Shared by the store's tests: a fresh database path per test, and a job to insert. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { NewJob } from '../job-record';

/** A database path in a new temporary directory, removed when the calling test finishes. */
export function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'lmqueue.db');
}

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
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
