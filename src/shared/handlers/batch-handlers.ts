import { z } from 'zod';
import { OpenAiBatchSchema } from '../batch';
import { handlerSpec } from './handler-spec';

/** The OpenAI batch behind a parent job, for the History tab's links to its output files. */
export const BATCH_HANDLERS = {
  'batches.forJob': handlerSpec({
    args: z.object({ id: z.string().min(1).max(128) }).strict(),
    result: OpenAiBatchSchema.nullable(),
    summary: 'The OpenAI batch a parent job runs, with its output and error file ids; null for any other job, or a batch you may not see',
  }),
};
