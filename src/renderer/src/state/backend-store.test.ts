import { describe, expect, it } from 'vitest';
import type { BackendState } from '../../../shared/backend';
import { makeJob } from '../../../shared/testing/job-fixtures';
import { createBackendController } from './backend-store';

const up = {
  url: 'http://127.0.0.1:1234',
  status: 'up',
  loadedModel: 'm',
  resident: [],
  canLoadAlongside: true,
  slots: 2,
  models: [],
  lastError: null,
  since: '',
  retryAt: null,
} as BackendState;

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

  it('lists each failed job once among recent errors, by its id tail', () => {
    const backend = createBackendController({ invoke: async () => up as never });
    const failed = makeJob('job_-P7uAbCdQw3x9Kz1Lm', { state: 'failed', owner: 'bob', error: { code: 'backend_error', message: 'HTTP 500' } });
    backend.onJob(failed);
    backend.onJob(failed);
    backend.onJob(makeJob('j2', { state: 'succeeded' }));
    const { errors } = backend.store.getState();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'job …9Kz1Lm (bob, model-a)', message: 'HTTP 500' });
  });
});

describe('backend store load', () => {
  it('starts with the errors of recently failed jobs', async () => {
    const recent = new Date(Date.parse('2026-01-01T00:10:00.000Z') - 10_000).toISOString();
    const invoke = async (name: string) => {
      if (name === 'backend.state') return up;
      return { jobs: [makeJob('f1', { state: 'failed', finishedAt: recent, error: { code: 'timeout', message: 'no first token in 60 s' } })], nextCursor: null };
    };
    const backend = createBackendController({ invoke: invoke as never });
    await backend.load();
    const state = backend.store.getState();
    expect(state.backend?.status).toBe('up');
    expect(state.errors.map((e) => e.message)).toEqual(['no first token in 60 s']);
  });
});
