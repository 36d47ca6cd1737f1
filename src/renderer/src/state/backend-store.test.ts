import { describe, expect, it } from 'vitest';
import type { BackendState } from '../../../shared/backend';
import { makeCounts, makeJob } from '../../../shared/testing/job-fixtures';
import { createBackendController } from './backend-store';

const up: BackendState = { url: 'http://127.0.0.1:1234', status: 'up', loadedModel: 'm', slots: 2, models: [], lastError: null, since: '', retryAt: null };

describe('backend store', () => {
  it('records LM Studio going down as a recent error', () => {
    let now = 1_000_000;
    const backend = createBackendController({ invoke: async () => up as never }, () => now);
    backend.setBackend(up);
    backend.setBackend({ ...up, status: 'down', lastError: 'connect ECONNREFUSED 127.0.0.1:1234' });
    now += 1000;
    backend.setBackend({ ...up, status: 'down', lastError: 'connect ECONNREFUSED 127.0.0.1:1234' });
    const { errors } = backend.store.getState();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'LM Studio', message: 'connect ECONNREFUSED 127.0.0.1:1234' });
  });

  it('samples queue length and a one-minute token rate, keeping an hour', () => {
    let now = 10_000_000;
    const backend = createBackendController({ invoke: async () => up as never }, () => now);
    backend.onCounts(makeCounts(7, 2));
    backend.onJob(makeJob('a', { state: 'succeeded', finishedAt: new Date(now).toISOString(), usage: { promptTokens: 1, completionTokens: 600, totalTokens: 601 } }));
    backend.onJob(makeJob('a', { state: 'succeeded', finishedAt: new Date(now).toISOString(), usage: { promptTokens: 1, completionTokens: 600, totalTokens: 601 } }));
    now += 500;
    backend.sample();
    const first = backend.store.getState().samples.at(-1)!;
    expect(first).toMatchObject({ queued: 7, running: 2, tokensPerSecond: 10 });
    now += 2 * 3_600_000;
    backend.sample();
    const { samples } = backend.store.getState();
    expect(samples).toHaveLength(1);
    expect(samples[0]!.tokensPerSecond).toBe(0);
  });

  it('lists failed jobs among recent errors', () => {
    const backend = createBackendController({ invoke: async () => up as never });
    backend.onJob(makeJob('j9', { state: 'failed', owner: 'bob', error: { code: 'backend_error', message: 'HTTP 500' } }));
    expect(backend.store.getState().errors[0]).toMatchObject({ source: 'job j9 (bob, model-a)', message: 'HTTP 500' });
  });
});

describe('backend store load', () => {
  it('starts with the rate and errors of recently finished jobs', async () => {
    const now = Date.parse('2026-01-01T00:10:00.000Z');
    const recent = new Date(now - 10_000).toISOString();
    const invoke = async (name: string, args: { state?: string }) => {
      if (name === 'backend.state') return up;
      if (args.state === 'succeeded') {
        return { jobs: [makeJob('s1', { state: 'succeeded', finishedAt: recent, usage: { promptTokens: 1, completionTokens: 300, totalTokens: 301 } })], nextCursor: null };
      }
      return { jobs: [makeJob('f1', { state: 'failed', finishedAt: recent, error: { code: 'timeout', message: 'no first token in 60 s' } })], nextCursor: null };
    };
    const backend = createBackendController({ invoke: invoke as never }, () => now);
    await backend.load();
    backend.sample();
    const state = backend.store.getState();
    expect(state.backend?.status).toBe('up');
    expect(state.samples.at(-1)!.tokensPerSecond).toBe(5);
    expect(state.errors.map((e) => e.message)).toEqual(['no first token in 60 s']);
  });
});
