import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { handlerRoute, registerHandlerRoutes, type HandlerRoute } from '../../api/http-adapter';
import type { Dispatcher } from '../../api/dispatcher';
import { BackendStateSchema } from '../../../shared/backend';
import { HANDLERS, type HandlerName } from '../../../shared/contract';
import { JobPageSchema, JobSchema, ListJobsQuerySchema, ReprioritizeSchema, SubmitJobSchema } from '../../../shared/job';
import { QueueSnapshotQuerySchema, QueueSnapshotSchema } from '../../../shared/queue';
import { CallerSchema, CreatedTokenSchema, CreateTokenSchema, TokenInfoSchema } from '../../../shared/tokens';
import { callerOf } from '../auth';
import { shuttingDown } from '../draining';

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const JobBodySchema = z.object({ job: JobSchema });
const IdParams = z.object({ id: z.string() });
const NameParams = z.object({ name: z.string() });
const PausedSchema = z.object({ paused: z.boolean() });

function params(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>;
}

/** Body fields plus path params; a non-object body is passed as is so validation reports it. */
function bodyWith(request: FastifyRequest, extra: Record<string, string | undefined>): unknown {
  const body = request.body ?? {};
  return typeof body === 'object' && !Array.isArray(body) ? { ...body, ...extra } : body;
}

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** The REST face of the handler map, as DESIGN.md documents it. */
export const API_ROUTES: ReadonlyArray<HandlerRoute<HandlerName>> = [
  handlerRoute({
    method: 'GET',
    url: '/api/me',
    handler: 'session.whoami',
    args: () => ({}),
    schema: { summary: 'Who am I (owner, role, highest priority)', tags: ['session'], response: { 200: CallerSchema } },
  }),
  handlerRoute({
    method: 'POST',
    url: '/api/jobs',
    handler: 'jobs.submit',
    args: (request) => request.body,
    respond: (job) => ({ job }),
    status: 202,
    schema: {
      summary: 'Queue a job',
      tags: ['jobs'],
      body: SubmitJobSchema,
      response: { 202: JobBodySchema, ...errors, 429: ErrorSchema, 503: ErrorSchema },
    },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/jobs',
    handler: 'jobs.list',
    args: (request) => request.query,
    schema: { summary: 'List jobs, newest first', tags: ['jobs'], querystring: ListJobsQuerySchema, response: { 200: JobPageSchema } },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/jobs/:id',
    handler: 'jobs.get',
    args: (request) => ({ id: params(request).id }),
    respond: (job) => ({ job }),
    schema: { summary: 'A job with its position and ETA', tags: ['jobs'], params: IdParams, response: { 200: JobBodySchema, 404: ErrorSchema } },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/jobs/:id/result',
    handler: 'jobs.result',
    args: (request) => ({ id: params(request).id }),
    schema: {
      summary: "The OpenAI response body of a succeeded job (the owner's or, for admins, anyone's)",
      tags: ['jobs'],
      params: IdParams,
    },
  }),
  handlerRoute({
    method: 'DELETE',
    url: '/api/jobs/:id',
    handler: 'jobs.cancel',
    args: (request) => ({ id: params(request).id }),
    respond: (job) => ({ job }),
    schema: { summary: 'Cancel a queued or running job', tags: ['jobs'], params: IdParams, response: { 200: JobBodySchema, ...errors } },
  }),
  handlerRoute({
    method: 'PATCH',
    url: '/api/jobs/:id',
    handler: 'jobs.reprioritize',
    args: (request) => bodyWith(request, { id: params(request).id }),
    respond: (job) => ({ job }),
    schema: {
      summary: 'Change the priority of a queued job',
      tags: ['jobs'],
      params: IdParams,
      body: ReprioritizeSchema,
      response: { 200: JobBodySchema, ...errors },
    },
  }),
  handlerRoute({
    method: 'POST',
    url: '/api/jobs/:id/retry',
    handler: 'jobs.retry',
    args: (request) => ({ id: params(request).id }),
    respond: (job) => ({ job }),
    status: 202,
    schema: { summary: 'Queue a finished job again as a new job', tags: ['jobs'], params: IdParams, response: { 202: JobBodySchema, ...errors } },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/queue',
    handler: 'queue.snapshot',
    args: (request) => request.query,
    schema: {
      summary: 'Running jobs and a page of the queue in dispatch order',
      tags: ['queue'],
      querystring: QueueSnapshotQuerySchema,
      response: { 200: QueueSnapshotSchema },
    },
  }),
  handlerRoute({
    method: 'POST',
    url: '/api/dispatch/pause',
    handler: 'dispatch.pause',
    args: () => ({}),
    schema: { summary: 'Stop starting jobs (admin)', tags: ['queue'], response: { 200: PausedSchema, 403: ErrorSchema } },
  }),
  handlerRoute({
    method: 'POST',
    url: '/api/dispatch/resume',
    handler: 'dispatch.resume',
    args: () => ({}),
    schema: { summary: 'Start jobs again (admin)', tags: ['queue'], response: { 200: PausedSchema, 403: ErrorSchema } },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/backend',
    handler: 'backend.state',
    args: () => ({}),
    schema: { summary: 'LM Studio as the queue sees it', tags: ['queue'], response: { 200: BackendStateSchema } },
  }),
  handlerRoute({
    method: 'POST',
    url: '/api/tokens',
    handler: 'tokens.create',
    args: (request) => request.body,
    status: 201,
    schema: {
      summary: 'Create a token (admin); the secret is in this response only',
      tags: ['tokens'],
      body: CreateTokenSchema,
      response: { 201: CreatedTokenSchema, ...errors },
    },
  }),
  handlerRoute({
    method: 'GET',
    url: '/api/tokens',
    handler: 'tokens.list',
    args: () => ({}),
    respond: (tokens) => ({ tokens }),
    schema: { summary: 'List tokens (admin)', tags: ['tokens'], response: { 200: z.object({ tokens: z.array(TokenInfoSchema) }) } },
  }),
  handlerRoute({
    method: 'DELETE',
    url: '/api/tokens/:name',
    handler: 'tokens.revoke',
    args: (request) => ({ name: params(request).name }),
    schema: {
      summary: 'Revoke a token (admin)',
      tags: ['tokens'],
      params: NameParams,
      response: { 200: z.object({ revoked: z.string() }), 403: ErrorSchema, 404: ErrorSchema },
    },
  }),
];

/**
 * Any handler by name, with the result unwrapped: what the browser UI's HTTP bridge calls, so it
 * needs no table of REST shapes. Same validation and authorization as everywhere else.
 */
function registerInvokeRoute(app: FastifyInstance, { dispatcher, draining }: ApiRouteOptions): void {
  app.post(
    '/api/invoke/:name',
    { schema: { summary: 'Call a handler of the shared contract by name', tags: ['invoke'], params: NameParams } },
    async (request, reply) => {
      const name = params(request).name ?? '';
      if (!dispatcher.has(name)) {
        return reply.code(404).send({ error: { code: 'not_found', message: `no handler named "${name}"` } });
      }
      if (draining() && HANDLERS[name].createsWork) throw shuttingDown();
      return reply.send(await dispatcher.invoke(name, request.body, callerOf(request)));
    },
  );
}

export interface ApiRouteOptions {
  dispatcher: Dispatcher;
  /** True once the host has begun shutting down: no new work is taken. */
  draining: () => boolean;
}

export function registerApiRoutes(app: FastifyInstance, options: ApiRouteOptions): void {
  registerHandlerRoutes(app, { dispatcher: options.dispatcher, callerOf }, API_ROUTES);
  registerInvokeRoute(app, options);
}
