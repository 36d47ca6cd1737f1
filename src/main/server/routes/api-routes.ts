import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from '../../api/dispatcher';
import { registerInvokeRoutes, registerRestRoutes, type RestRoute } from '../../api/http-adapter';
import { callerOf } from '../auth';

/**
 * The job API's REST face (DESIGN.md "Public interface"), for outside clients. Each route is one
 * handler of the contract; its schemas, status on refusal and draining rule come from the
 * handler's declaration in src/shared/handlers.
 */
export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'GET', url: '/api/me', handler: 'session.whoami', tags: ['session'] },
  { method: 'POST', url: '/api/jobs', handler: 'jobs.submit', argsIn: 'body', wrapIn: 'job', status: 202, tags: ['jobs'] },
  { method: 'GET', url: '/api/jobs', handler: 'jobs.list', argsIn: 'query', tags: ['jobs'] },
  { method: 'GET', url: '/api/jobs/:id', handler: 'jobs.get', wrapIn: 'job', tags: ['jobs'] },
  { method: 'GET', url: '/api/jobs/:id/result', handler: 'jobs.result', tags: ['jobs'] },
  { method: 'DELETE', url: '/api/jobs/:id', handler: 'jobs.cancel', wrapIn: 'job', tags: ['jobs'] },
  { method: 'PATCH', url: '/api/jobs/:id', handler: 'jobs.reprioritize', argsIn: 'body', wrapIn: 'job', tags: ['jobs'] },
  { method: 'POST', url: '/api/jobs/:id/retry', handler: 'jobs.retry', wrapIn: 'job', status: 202, tags: ['jobs'] },
  { method: 'GET', url: '/api/queue', handler: 'queue.snapshot', argsIn: 'query', tags: ['queue'] },
  { method: 'POST', url: '/api/dispatch/pause', handler: 'dispatch.pause', tags: ['queue'] },
  { method: 'POST', url: '/api/dispatch/resume', handler: 'dispatch.resume', tags: ['queue'] },
  { method: 'GET', url: '/api/backend', handler: 'backend.state', tags: ['queue'] },
  { method: 'GET', url: '/api/stats/throughput', handler: 'stats.throughput', argsIn: 'query', tags: ['queue'] },
  { method: 'POST', url: '/api/tokens', handler: 'tokens.create', argsIn: 'body', status: 201, tags: ['tokens'] },
  { method: 'GET', url: '/api/tokens', handler: 'tokens.list', wrapIn: 'tokens', tags: ['tokens'] },
  { method: 'DELETE', url: '/api/tokens/:name', handler: 'tokens.revoke', tags: ['tokens'] },
  { method: 'POST', url: '/api/schedules', handler: 'schedules.create', argsIn: 'body', wrapIn: 'schedule', status: 201, tags: ['schedules'] },
  { method: 'GET', url: '/api/schedules', handler: 'schedules.list', wrapIn: 'schedules', tags: ['schedules'] },
  { method: 'GET', url: '/api/jobs/:id/batch', handler: 'batches.forJob', wrapIn: 'batch', tags: ['batches'] },
  { method: 'GET', url: '/api/schedules/:name', handler: 'schedules.get', wrapIn: 'schedule', tags: ['schedules'] },
  { method: 'PATCH', url: '/api/schedules/:name', handler: 'schedules.update', argsIn: 'body', wrapIn: 'schedule', tags: ['schedules'] },
  { method: 'DELETE', url: '/api/schedules/:name', handler: 'schedules.delete', tags: ['schedules'] },
  { method: 'POST', url: '/api/schedules/:name/run', handler: 'schedules.run', wrapIn: 'job', status: 202, tags: ['schedules'] },
  { method: 'POST', url: '/api/indexes', handler: 'indexes.create', argsIn: 'body', status: 202, tags: ['indexes'] },
  { method: 'GET', url: '/api/indexes', handler: 'indexes.list', wrapIn: 'indexes', tags: ['indexes'] },
  { method: 'GET', url: '/api/indexes/:name', handler: 'indexes.get', wrapIn: 'index', tags: ['indexes'] },
  { method: 'DELETE', url: '/api/indexes/:name', handler: 'indexes.delete', tags: ['indexes'] },
  { method: 'POST', url: '/api/indexes/:name/search', handler: 'indexes.search', argsIn: 'body', tags: ['indexes'] },
];

export interface ApiRouteOptions {
  dispatcher: Dispatcher;
}

/** Registers the REST routes and the invoke routes (every handler by name, for the web UI). */
export function registerApiRoutes(app: FastifyInstance, options: ApiRouteOptions): void {
  const adapter = { dispatcher: options.dispatcher, callerOf };
  registerRestRoutes(app, adapter, REST_ROUTES);
  registerInvokeRoutes(app, adapter);
}
