/**
 * The batch layer against the engine with a fake clock: the completion window, and a restart
 * before a batch's file was even read. (Through HTTP with the openai client: server/openai-batch.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../testing/engine-harness';

const HOUR = 3_600_000;
const alice = { owner: 'alice', role: 'member' as const, maxPriority: 7 };
const harnesses: Harness[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.engine.close({ graceMs: 0 });
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  const h = await startHarness(...args);
  harnesses.push(h);
  return h;
}

function lines(count: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ custom_id: `r-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'model-a', messages: [{ role: 'user', content: `${i}` }] } })).join('\n') + '\n';
}

/**
 * Moves fake time on a minute (or `stepMs`) at a time, letting real time pass between steps: the
 * engine takes its next job after a finish on the real event loop, not on a fake timer.
 */
async function advance(h: Harness, ms: number, stepMs = 60_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await h.step(Math.min(stepMs, ms - done));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function createBatch(h: Harness, count: number) {
  const upload = await h.engine.batches.files.receive(Readable.from([lines(count)]), 1e6);
  const file = h.engine.batches.addFile(upload, { owner: 'alice', filename: 'in.jsonl', purpose: 'batch' });
  return h.engine.batches.create(alice, { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, null);
}

async function fileLines(h: Harness, id: string): Promise<Array<{ custom_id: string; response: { status_code: number } | null; error: { code: string } | null }>> {
  let text = '';
  for await (const chunk of h.engine.batches.files.open(id)) text += String(chunk);
  return text.trim().split('\n').map((line) => JSON.parse(line) as never);
}

describe('batches on the engine', () => {
  it('expires past its 24 h window: what ran is in the output, the rest batch_expired in the error file', async () => {
    // One slot, an hour a request: 30 requests cannot finish in 24 h.
    const h = await harness({ models: ['model-a'], slots: 1, serviceMs: () => HOUR });
    const created = await createBatch(h, 30);
    await vi.waitFor(() => expect(h.engine.batches.sealed(created.id)).toBe(true));
    await advance(h, 23 * HOUR);
    expect(h.engine.batches.get(alice, created.id)).toMatchObject({ status: 'in_progress', expired_at: null });
    await advance(h, 2 * HOUR);
    const batch = await vi.waitFor(() => {
      const current = h.engine.batches.get(alice, created.id);
      expect(current.status).toBe('expired');
      return current;
    });
    expect(batch.expired_at! - batch.created_at).toBe(24 * 3600);
    expect(batch.request_counts.total).toBe(30);
    expect(batch.request_counts.completed).toBeGreaterThanOrEqual(22);
    expect(batch.request_counts.completed).toBeLessThanOrEqual(24);
    const output = await fileLines(h, batch.output_file_id!);
    const errors = await fileLines(h, batch.error_file_id!);
    expect(output).toHaveLength(batch.request_counts.completed);
    expect(errors).toHaveLength(30 - output.length);
    expect(errors.every((line) => line.response === null && line.error?.code === 'batch_expired')).toBe(true);
    expect(h.engine.get(batch.lmq_job_id!).state).toBe('canceled');
    // Nothing of it runs after the window.
    const served = h.backend.served.length;
    await advance(h, 10 * HOUR, 10 * 60_000);
    expect(h.backend.served.length).toBe(served);
  });

  it('is cancelled when its parent job is canceled from elsewhere (the Queue tab)', async () => {
    const h = await harness({ models: ['model-a'], slots: 1, serviceMs: () => HOUR });
    const created = await createBatch(h, 10);
    await vi.waitFor(() => expect(h.engine.batches.sealed(created.id)).toBe(true));
    await advance(h, 2.5 * HOUR);
    h.engine.cancel(h.engine.batches.get(alice, created.id).lmq_job_id!);
    await h.step(1);
    const batch = await vi.waitFor(() => {
      const current = h.engine.batches.get(alice, created.id);
      expect(current.status).toBe('cancelled');
      return current;
    });
    expect(batch.cancelling_at).not.toBeNull();
    expect(batch.request_counts).toEqual({ total: 10, completed: 2, failed: 8 });
    expect((await fileLines(h, batch.error_file_id!)).every((line) => line.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('waits for room when the queue is full, then adds the rest of its lines', async () => {
    const h = await harness({ models: ['model-a'], slots: 1, serviceMs: () => 1_000 }, { maxQueued: 5 });
    const created = await createBatch(h, 8);
    // 5 fit; the rest wait for the queue to drain a little, and the batch still completes.
    await vi.waitFor(() => expect(h.engine.get(h.engine.batches.get(alice, created.id).lmq_job_id!).children?.total).toBe(5));
    expect(h.engine.batches.sealed(created.id)).toBe(false);
    await advance(h, 60_000, 1_000);
    const batch = await vi.waitFor(() => {
      const current = h.engine.batches.get(alice, created.id);
      expect(current.status).toBe('completed');
      return current;
    });
    expect(batch.request_counts).toEqual({ total: 8, completed: 8, failed: 0 });
  });

  it('goes on after a restart that came before its file was read (validating)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lmq-batches-'));
    dirs.push(dataDir);
    const first = await harness({ models: ['model-a'] }, { dataDir });
    const created = await createBatch(first, 5);
    expect(created.status).toBe('validating');
    // Closed in the same turn: the batch never started validating in this run.
    await first.engine.close({ graceMs: 0 });
    harnesses.splice(harnesses.indexOf(first), 1);

    const second = await harness({ models: ['model-a'] }, { dataDir });
    await vi.waitFor(() => expect(second.engine.batches.sealed(created.id)).toBe(true));
    await advance(second, 60_000, 1_000);
    const batch = await vi.waitFor(() => {
      const current = second.engine.batches.get(alice, created.id);
      expect(current.status).toBe('completed');
      return current;
    });
    expect(batch.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect((await fileLines(second, batch.output_file_id!)).map((l) => l.custom_id)).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
  });
});
