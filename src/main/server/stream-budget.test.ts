import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StreamBudget } from './stream-budget';
import { CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const KIB = 1024;

/** A response whose unsent bytes the test sets. */
function fakeResponse(unsent = 0): ServerResponse & { unsent: number } {
  const raw = Object.assign(new EventEmitter(), { unsent });
  Object.defineProperty(raw, 'writableLength', { get: () => raw.unsent });
  return raw as unknown as ServerResponse & { unsent: number };
}

describe('StreamBudget', () => {
  it('refuses a stream more than its own cap, saying how much was waiting', () => {
    const budget = new StreamBudget(100 * KIB, 1024 * KIB);
    const raw = fakeResponse(99 * KIB);
    expect(budget.refusal(raw, KIB)).toBeNull();
    raw.unsent = 100 * KIB;
    expect(budget.refusal(raw, 1)).toBe('the client stopped reading the stream: 100 KiB were waiting to be sent (at most 100 KiB per stream)');
  });

  it('refuses the streams that are behind once all of them together hold the total, not those keeping up', () => {
    const budget = new StreamBudget(512 * KIB, 1024 * KIB);
    const stuck = [fakeResponse(400 * KIB), fakeResponse(400 * KIB)];
    for (const raw of stuck) expect(budget.refusal(raw, KIB)).toBeNull();
    const keepingUp = fakeResponse(KIB);
    const third = fakeResponse(300 * KIB);
    expect(budget.refusal(third, KIB)).toMatch(/not reading the stream \(300 KiB unsent\), and streams not being read held 1\.1 MiB together, over the server's 1\.0 MiB/);
    expect(budget.refusal(keepingUp, KIB)).toBeNull();
    // One stuck stream goes away: the others fit again.
    stuck[0]!.emit('close');
    expect(budget.refusal(third, KIB)).toBeNull();
  });

  it('recounts before refusing: streams that drained since they last wrote are not held against anyone', () => {
    const budget = new StreamBudget(512 * KIB, 1024 * KIB);
    const drained = fakeResponse(500 * KIB);
    expect(budget.refusal(drained, 0)).toBeNull();
    drained.unsent = 0;
    const other = fakeResponse(500 * KIB);
    expect(budget.refusal(other, 0)).toBeNull();
    expect(budget.refusal(fakeResponse(100 * KIB), 0)).toBeNull();
    expect(budget.heldBytes).toBe(600 * KIB);
  });
});

// On the code before this change such a stream held up to 8 MiB (plus socket buffers), and a
// dropped stream's job was recorded as "the client disconnected".
describe('a streaming client that never reads', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ sim: { timeScale: 0.0005, minOutputTokens: 30_000, maxOutputTokens: 30_000 }, server: { streamBudget: { perStreamBytes: 64 * KIB, totalBytes: 1024 * KIB } } });
  });
  afterAll(() => h.close());

  it('is dropped at the cap and its job says why', async () => {
    const body = JSON.stringify({ ...CHAT, max_tokens: 30_000, stream: true });
    const jobId = await new Promise<string>((resolve, reject) => {
      const request = http.request(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        // Never read: the socket's buffers fill, then the server's.
        response.pause();
        resolve(String(response.headers['x-lmq-job-id']));
      });
      request.on('error', () => {});
      request.once('error', reject);
      request.end(body);
    });
    const job = await vi.waitFor(() => {
      const current = h.engine.get(jobId);
      expect(current.state).toBe('canceled');
      return current;
    }, { timeout: 20_000, interval: 50 });
    expect(job.error?.message).toContain('the client stopped reading the stream');
  });
});
