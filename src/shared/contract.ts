/**
 * The one contract that crosses every boundary: IPC (preload), HTTP (server adapter) and both
 * renderer bridges are typed from these two maps.
 */
import type { BackendState } from './backend';
import type { Job, JobPage, ListJobsQuery, SubmitJobInput } from './job';
import type { QueueChanged, QueueSnapshot, QueueSnapshotQuery } from './queue';
import type { Caller, CreatedToken, CreateTokenInput, TokenInfo } from './tokens';

export interface Handlers {
  'session.whoami': () => Caller;
  'jobs.submit': (args: SubmitJobInput) => Job;
  'jobs.get': (args: { id: string }) => Job;
  'jobs.result': (args: { id: string }) => unknown;
  'jobs.list': (args: ListJobsQuery) => JobPage;
  'jobs.cancel': (args: { id: string }) => Job;
  'jobs.reprioritize': (args: { id: string; priority: number | string }) => Job;
  'jobs.retry': (args: { id: string }) => Job;
  'queue.snapshot': (args: QueueSnapshotQuery) => QueueSnapshot;
  'backend.state': (args: Record<string, never>) => BackendState;
  'dispatch.pause': (args: Record<string, never>) => { paused: boolean };
  'dispatch.resume': (args: Record<string, never>) => { paused: boolean };
  'tokens.create': (args: CreateTokenInput) => CreatedToken;
  'tokens.list': (args: Record<string, never>) => TokenInfo[];
  'tokens.revoke': (args: { name: string }) => { revoked: string };
}
export type HandlerName = keyof Handlers;
export type HandlerArgs<N extends HandlerName> = Parameters<Handlers[N]>[0];
export type HandlerResult<N extends HandlerName> = ReturnType<Handlers[N]>;

export interface ServerEvents {
  'job.updated': Job;
  'queue.changed': QueueChanged;
  'backend.changed': BackendState;
}
export type EventName = keyof ServerEvents;
export const EVENT_NAMES: readonly EventName[] = ['job.updated', 'queue.changed', 'backend.changed'];

/** What the preload exposes as `window.lmq`, and what the HTTP bridge implements in a browser. */
export interface Bridge {
  invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>>;
  subscribe<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void;
}
