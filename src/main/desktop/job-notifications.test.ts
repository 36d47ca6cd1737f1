import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../shared/job';
import { makeJob } from '../../shared/testing/job-fixtures';
import { createFinishNotifier } from './job-notifications';

vi.mock('electron', () => ({}));

function job(state: Job['state'], extra: Partial<Job> = {}): Job {
  return makeJob('job_1', {
    model: 'qwen',
    owner: 'local',
    state,
    progress: { fraction: null, stage: state, message: null },
    attempts: 1,
    ...extra,
  });
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
