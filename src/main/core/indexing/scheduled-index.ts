/** A schedule whose job is a re-index: each run reads the index's folder again with its settings. */
import { LmqError, isLmqError } from '../../../shared/errors';
import type { ScheduledParentMaker, ScheduleOwner } from '../schedules/schedules';
import type { ScheduleJobTemplate } from '../schedules/schedule-store';
import type { Indexes } from './indexes';

export function scheduledIndexMaker(indexes: Indexes): ScheduledParentMaker {
  return {
    check: (input: Record<string, unknown>, creator: ScheduleOwner) =>
      prefixed(() => {
        const index = prefixed(() => indexes.get(String(input.name)), 'name: ');
        if (creator.role !== 'admin' && index.owner !== creator.owner) throw new LmqError('forbidden', `name: index ${index.name} belongs to ${index.owner}`);
      }, 'input.'),
    make: (template: ScheduleJobTemplate, owner: ScheduleOwner, jobMetadata: Record<string, unknown>) =>
      indexes.reindex(String(template.input.name), owner, jobMetadata),
  };
}

function prefixed<T>(fn: () => T, prefix: string): T {
  try {
    return fn();
  } catch (error) {
    if (!isLmqError(error)) throw error;
    throw new LmqError(error.code, `${prefix}${error.message}`);
  }
}
