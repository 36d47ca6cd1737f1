/**
 * A schedule whose job is a batch: each run sends the same uploaded file through the Batch API,
 * so a nightly batch is a batch like any other (its output file, its parent job, its children).
 */
import { LmqError, isLmqError } from '../../../shared/errors';
import type { Job } from '../../../shared/job';
import type { ScheduledParentMaker, ScheduleOwner } from '../schedules/schedules';
import type { ScheduleJobTemplate } from '../schedules/schedule-store';
import type { Batches } from './batches';

function batchRequest(input: Record<string, unknown>) {
  return { input_file_id: String(input.input_file_id), endpoint: String(input.endpoint), completion_window: String(input.completion_window ?? '24h') };
}

export function scheduledBatchMaker(batches: Batches, job: (id: string) => Job): ScheduledParentMaker {
  return {
    // The schedule adds `job.`: "job.input.input_file_id: no file with id ...".
    check: (input: Record<string, unknown>, creator: ScheduleOwner) => {
      prefixed(() => batches.check(creator, batchRequest(input), null));
    },
    make: (template: ScheduleJobTemplate, owner: ScheduleOwner, jobMetadata: Record<string, unknown>) => {
      const schedule = typeof jobMetadata.schedule === 'string' ? { schedule: jobMetadata.schedule } : null;
      const batch = prefixed(() => batches.create(owner, { ...batchRequest(template.input), metadata: schedule }, template.priority, jobMetadata));
      return job(batch.lmq_job_id!);
    },
  };
}

function prefixed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!isLmqError(error)) throw error;
    throw new LmqError(error.code, `input.${error.message}`);
  }
}
