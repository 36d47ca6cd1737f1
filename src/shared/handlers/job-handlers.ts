import { z } from 'zod';
import { JobPageSchema, JobSchema, ListJobsQuerySchema, SubmitJobSchema } from '../job';
import { PrioritySchema } from '../priority';
import { handlerSpec } from './handler-spec';

export const JobIdArgsSchema = z.object({ id: z.string().min(1).max(128) }).strict();
export const ReprioritizeArgsSchema = JobIdArgsSchema.extend({ priority: PrioritySchema }).strict();

export const JOB_HANDLERS = {
  'jobs.submit': handlerSpec({ args: SubmitJobSchema, result: JobSchema, createsWork: true, summary: 'Queue a job' }),
  'jobs.get': handlerSpec({ args: JobIdArgsSchema, result: JobSchema, summary: 'A job with its position and ETA' }),
  'jobs.result': handlerSpec({
    args: JobIdArgsSchema,
    result: z.unknown(),
    summary: "The OpenAI response body of a succeeded job (the owner's or, for admins, anyone's)",
  }),
  'jobs.list': handlerSpec({ args: ListJobsQuerySchema, result: JobPageSchema, summary: 'List jobs, newest first' }),
  'jobs.cancel': handlerSpec({ args: JobIdArgsSchema, result: JobSchema, summary: 'Cancel a queued or running job' }),
  'jobs.reprioritize': handlerSpec({ args: ReprioritizeArgsSchema, result: JobSchema, summary: 'Change the priority of a queued job' }),
  'jobs.retry': handlerSpec({
    args: JobIdArgsSchema,
    result: JobSchema,
    createsWork: true,
    summary: 'Queue a finished job again as a new job',
  }),
};
