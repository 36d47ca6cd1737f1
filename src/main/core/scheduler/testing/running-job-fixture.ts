/** Shared by the scheduler's and the forecast's tests: a running job, started at 0, with what a test sets. */
import type { ServiceEstimate } from '../../eta/service-model';
import type { QueuedEntry } from '../../store/job-record';
import { startRun, type RunningJob } from '../running-job';

export function runningJob(fields: { entry?: Partial<QueuedEntry>; estimate: ServiceEstimate } & Partial<Omit<RunningJob, 'entry' | 'estimate'>>): RunningJob {
  const { entry, estimate, ...rest } = fields;
  const queued: QueuedEntry = { seq: 1, kind: 'chat', model: 'a', owner: 'o', lane: 'batch', priority: 5, createdAt: 0, runAt: 0, promptTokens: estimate.promptTokens, maxTokens: null, ...entry };
  return { ...startRun(queued, {} as RunningJob['claim'], 0, 1, estimate), ...rest };
}
