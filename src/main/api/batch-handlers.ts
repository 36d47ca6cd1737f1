import type { Engine } from '../core/engine-api';
import type { DomainHandlers } from './domain-handlers';

/** Members see their own batches only; an admin anyone's (the Batch API's own rule). */
export function batchHandlers(engine: Engine) {
  return {
    'batches.forJob': ({ id }, caller) => engine.batches.forJob(caller, id),
  } satisfies DomainHandlers;
}
