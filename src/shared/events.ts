/** The events the engine pushes to every transport. Values here import no schemas, so the preload stays small. */
import type { BackendState } from './backend';
import type { Job } from './job';
import type { QueueChanged } from './queue';

export interface ServerEvents {
  'job.updated': Job;
  'queue.changed': QueueChanged;
  'backend.changed': BackendState;
}
export type EventName = keyof ServerEvents;
export const EVENT_NAMES: readonly EventName[] = ['job.updated', 'queue.changed', 'backend.changed'];
