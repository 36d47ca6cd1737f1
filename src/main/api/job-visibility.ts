import type { Job } from '../../shared/job';
import type { Caller } from '../../shared/tokens';

/**
 * Members see the queue's shape, everyone's jobs' owner, model, priority, state, position and
 * ETA, but another owner's job without what its owner put in it (its metadata; inputs and
 * results are never in a job). Admins and the owner see all of it.
 */
export function seesAllOf(job: Pick<Job, 'owner'>, caller: Caller): boolean {
  return caller.role === 'admin' || job.owner === caller.owner;
}

/** The job as anyone but its owner or an admin sees it. */
export function publicView(job: Job): Job {
  return job.metadata === null ? job : { ...job, metadata: null };
}

export function jobSeenBy(job: Job, caller: Caller): Job {
  return seesAllOf(job, caller) ? job : publicView(job);
}

export function jobsSeenBy(jobs: readonly Job[], caller: Caller): Job[] {
  return caller.role === 'admin' ? [...jobs] : jobs.map((job) => jobSeenBy(job, caller));
}
