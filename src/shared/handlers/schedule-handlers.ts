import { z } from 'zod';
import { JobSchema } from '../job';
import { CreateScheduleSchema, ScheduleNameSchema, ScheduleSchema, UpdateScheduleSchema } from '../schedule';
import { handlerSpec, NoArgsSchema } from './handler-spec';

export const ScheduleNameArgsSchema = z.object({ name: ScheduleNameSchema }).strict();

/** Members create schedules (their jobs, their limits) and see and manage their own; admins all. */
export const SCHEDULE_HANDLERS = {
  'schedules.create': handlerSpec({
    args: CreateScheduleSchema,
    result: ScheduleSchema,
    summary: "Create a cron schedule; each run queues the job as its creator, within the creator's limits",
  }),
  'schedules.list': handlerSpec({ args: NoArgsSchema, result: z.array(ScheduleSchema), summary: 'List schedules (a member sees its own)' }),
  'schedules.get': handlerSpec({ args: ScheduleNameArgsSchema, result: ScheduleSchema, summary: 'A schedule with its next runs and run counts' }),
  'schedules.update': handlerSpec({ args: UpdateScheduleSchema, result: ScheduleSchema, summary: 'Change any field of a schedule (e.g. enabled)' }),
  'schedules.delete': handlerSpec({
    args: ScheduleNameArgsSchema,
    result: z.object({ deleted: z.string() }),
    summary: 'Delete a schedule (the jobs it made stay)',
  }),
  'schedules.run': handlerSpec({
    args: ScheduleNameArgsSchema,
    result: JobSchema,
    createsWork: true,
    summary: "Run a schedule now: one job at once, whatever its overlap policy",
  }),
};
