import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../shared/job';
import { createFinishNotifier } from './job-notifications';

vi.mock('electron', () => ({}));

function job(state: Job['state'], extra: Partial<Job> = {}): Job {
  return {
    id: 'job_1',
    kind: 'chat',
    model: 'qwen',
    owner: 'local',
    priority: 5,
    lane: 'interactive',
    state,
    position: null,
    eta: null,
    progress: { fraction: null, stage: state, message: null },
    attempts: 1,
    maxAttempts: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    runAt: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    usage: null,
    metadata: null,
    ...extra,
  };
}

describe('createFinishNotifier', () => {
  it('notifies once when a job submitted from the app succeeds', () => {
    const show = vi.fn();
    const notifier = createFinishNotifier(show);
    notifier.track('job_1');
    notifier.onJobUpdated(job('running'));
    expect(show).not.toHaveBeenCalled();
    notifier.onJobUpdated(job('succeeded', { usage: { promptTokens: 3, completionTokens: 42, totalTokens: 45 } }));
    notifier.onJobUpdated(job('succeeded'));
    expect(show).toHaveBeenCalledTimes(1);
    expect(show.mock.calls[0]![0]).toEqual({ title: 'Job finished', body: 'chat on qwen · 42 tokens (job_1)' });
    expect(notifier.tracked).toBe(0);
  });

  it('says why a job failed', () => {
    const show = vi.fn();
    const notifier = createFinishNotifier(show);
    notifier.track('job_1');
    notifier.onJobUpdated(job('failed', { error: { code: 'backend_error', message: 'LM Studio answered 500' } }));
    expect(show).toHaveBeenCalledWith({ title: 'Job failed', body: 'chat on qwen: LM Studio answered 500 (job_1)' });
  });

  it('stays quiet about jobs from elsewhere and about cancellations', () => {
    const show = vi.fn();
    const notifier = createFinishNotifier(show);
    notifier.onJobUpdated(job('succeeded'));
    notifier.track('job_1');
    notifier.onJobUpdated(job('canceled'));
    expect(show).not.toHaveBeenCalled();
    expect(notifier.tracked).toBe(0);
  });
});
