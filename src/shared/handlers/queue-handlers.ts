import { z } from 'zod';
import { BackendStateSchema } from '../backend';
import { QueueSnapshotQuerySchema, QueueSnapshotSchema } from '../queue';
import { handlerSpec, NoArgsSchema } from './handler-spec';

const PausedSchema = z.object({ paused: z.boolean() });

export const QUEUE_HANDLERS = {
  'queue.snapshot': handlerSpec({
    args: QueueSnapshotQuerySchema,
    result: QueueSnapshotSchema,
    summary: 'Running jobs and a page of the queue in dispatch order',
  }),
  'backend.state': handlerSpec({ args: NoArgsSchema, result: BackendStateSchema, summary: 'LM Studio as the queue sees it' }),
  'dispatch.pause': handlerSpec({ args: NoArgsSchema, result: PausedSchema, access: 'admin', summary: 'Stop starting jobs (admin)' }),
  'dispatch.resume': handlerSpec({ args: NoArgsSchema, result: PausedSchema, access: 'admin', summary: 'Start jobs again (admin)' }),
};
