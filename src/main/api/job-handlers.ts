import type { Engine, SubmitOptions } from '../core/engine-api';
import type { Job, SubmitJobRequest } from '../../shared/job';
import { LmqError } from '../../shared/errors';
import { DEFAULT_PRIORITY } from '../../shared/priority';
import { requireOwnerOrAdmin, requirePriorityAllowed, type CallerContext } from './caller';
import type { DomainHandlers } from './domain-handlers';

/**
 * Queues a job for `caller`. Shared by the `jobs.submit` handler and the OpenAI-compatible
 * routes (which also attach a live sink), so the priority rules live in one place.
 */
export function submitJob(
  engine: Engine,
  request: SubmitJobRequest,
  caller: CallerContext,
  listeners: Pick<SubmitOptions, 'sink' | 'onFinish' | 'onShutdown'> = {},
): Job {
  // A caller whose ceiling is below normal gets its ceiling, not a 403 for a priority it never asked for.
  const priority = request.priority ?? Math.min(DEFAULT_PRIORITY, caller.maxPriority);
  requirePriorityAllowed(caller, priority);
  return engine.submit({ ...request, priority }, {
    owner: caller.owner,
    maxQueuedForOwner: caller.maxQueued ?? null,
    sink: listeners.sink,
    onShutdown: listeners.onShutdown,
    idempotencyKey: caller.idempotencyKey,
    onFinish: listeners.onFinish,
  });
}

export function jobHandlers(engine: Engine) {
  return {
    'jobs.submit': (request, caller) => submitJob(engine, request, caller),
    'jobs.get': ({ id }) => engine.get(id),
    'jobs.list': (query) => {
      try {
        return engine.list(query);
      } catch (error) {
        // The store rejects a cursor it did not issue with a RangeError; that is the caller's mistake.
        if (error instanceof RangeError) throw new LmqError('bad_request', `cursor: ${error.message}`);
        throw error;
      }
    },
    // Anyone may watch the queue, but a result is the owner's data.
    'jobs.result': ({ id }, caller) => {
      requireOwnerOrAdmin(caller, engine.get(id), 'read the results of');
      return engine.result(id);
    },
    'jobs.cancel': ({ id }, caller) => {
      requireOwnerOrAdmin(caller, engine.get(id), 'cancel');
      return engine.cancel(id, `canceled by ${caller.owner}`);
    },
    'jobs.reprioritize': ({ id, priority }, caller) => {
      requireOwnerOrAdmin(caller, engine.get(id), 'reprioritize');
      requirePriorityAllowed(caller, priority);
      return engine.reprioritize(id, priority);
    },
    // The retried job keeps its original owner, so fair share charges the right person.
    'jobs.retry': ({ id }, caller) => {
      const job = engine.get(id);
      requireOwnerOrAdmin(caller, job, 'retry');
      return engine.retry(id, job.owner);
    },
  } satisfies DomainHandlers;
}
