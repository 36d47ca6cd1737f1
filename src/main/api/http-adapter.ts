/**
 * The HTTP transport of the handler contract: REST routes and invoke routes built from the
 * shared declarations. Fastify validates each request with the handler's own zod schema (split
 * into path params, query and body), so the dispatcher runs it without parsing it again.
 */
import type { FastifyInstance, FastifyRequest, FastifySchema, preValidationHookHandler } from 'fastify';
import { z } from 'zod';
import { HANDLERS, type HandlerInput, type HandlerName, type HandlerResult } from '../../shared/contract';
import type { ErrorBody } from '../../shared/errors';
import { toLmqError } from './api-errors';
import type { CallerContext } from './caller';
import type { Dispatcher } from './dispatcher';
import { idempotencyKeyFrom } from './idempotency-key';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route queues work: refused with 503 while the host drains for shutdown. */
    createsWork?: boolean;
  }
}

export interface HttpErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

/** LmqError codes → statuses (the shared ERROR_STATUS), zod errors → 400, anything else → 500. */
export function httpErrorResponse(error: unknown): HttpErrorResponse {
  const lmqError = toLmqError(error);
  const headers: Record<string, string> = {};
  if (lmqError.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(lmqError.retryAfterSeconds)));
  }
  if (lmqError.code === 'unauthorized') headers['www-authenticate'] = 'Bearer';
  return { status: lmqError.status, headers, body: lmqError.toBody() };
}

/** A public REST route that is one handler of the contract. */
export interface RestRoute<N extends HandlerName = HandlerName> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Each `:param` is an argument of the handler. */
  url: string;
  handler: N;
  /** Where the arguments that are not path params come from; default: the handler takes none. */
  argsIn?: 'body' | 'query';
  /** The answer wraps the result under this key (`{job}`, `{tokens}`); default: the result itself. */
  wrapIn?: string;
  /** Success status; default 200. */
  status?: number;
  tags: string[];
}

export interface HttpAdapterOptions {
  dispatcher: Dispatcher;
  /** The caller the server's auth hook attached to the request. */
  callerOf: (request: FastifyRequest) => CallerContext;
}

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const ERROR_RESPONSES = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema };

function errorResponses(name: HandlerName) {
  return HANDLERS[name].createsWork ? { ...ERROR_RESPONSES, 503: ErrorSchema } : ERROR_RESPONSES;
}

/** An empty body is "no arguments", as IPC's `undefined` is. */
const emptyBodyIsNoArgs: preValidationHookHandler = (request, _reply, done) => {
  request.body ??= {};
  done();
};

function pathParams(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
}

/**
 * The Fastify schema of a REST route: the handler's argument schema split into path params and
 * the rest (body or query). Throws at start when the route and the declaration disagree.
 */
export function restRouteSchema(route: RestRoute): FastifySchema {
  const spec = HANDLERS[route.handler];
  const args = spec.args as z.ZodObject;
  const inPath = pathParams(route.url);
  for (const key of inPath) {
    if (!(key in args.shape)) throw new Error(`${route.method} ${route.url}: :${key} is not an argument of ${route.handler}`);
  }
  // zod's pick/omit mask: { id: true }.
  const mask = Object.fromEntries(inPath.map((key) => [key, true])) as Record<string, true> & Record<number, never>;
  const rest = args.omit(mask);
  if (!route.argsIn && Object.keys(rest.shape).length > 0) {
    throw new Error(`${route.method} ${route.url}: ${route.handler} takes ${Object.keys(rest.shape).join(', ')}, but the route reads no body or query`);
  }
  const result = route.wrapIn ? z.object({ [route.wrapIn]: spec.result }) : spec.result;
  return {
    summary: spec.summary,
    tags: route.tags,
    ...(inPath.length > 0 ? { params: args.pick(mask) } : {}),
    ...(route.argsIn === 'body' ? { body: rest } : route.argsIn === 'query' ? { querystring: rest } : {}),
    response: { [route.status ?? 200]: result, ...errorResponses(route.handler) },
  };
}

function argsFrom(request: FastifyRequest, argsIn: RestRoute['argsIn']): object {
  const rest = argsIn === 'body' ? request.body : argsIn === 'query' ? request.query : undefined;
  return { ...(rest as object | undefined), ...(request.params as object) };
}

/** Registers REST routes that translate HTTP to the handler and back. */
export function registerRestRoutes(app: FastifyInstance, options: HttpAdapterOptions, routes: readonly RestRoute[]): void {
  for (const route of routes) {
    const status = route.status ?? 200;
    app.route({
      method: route.method,
      url: route.url,
      schema: restRouteSchema(route),
      config: { createsWork: HANDLERS[route.handler].createsWork },
      ...(route.argsIn === 'body' ? { preValidation: emptyBodyIsNoArgs } : {}),
      handler: async (request, reply) => {
        const args = argsFrom(request, route.argsIn) as HandlerInput<HandlerName>;
        const caller = options.callerOf(request);
        const idempotencyKey = HANDLERS[route.handler].createsWork ? idempotencyKeyFrom(request.headers) : undefined;
        const result: HandlerResult<HandlerName> = await options.dispatcher.invokeValidated(route.handler, args, idempotencyKey ? { ...caller, idempotencyKey } : caller);
        reply.code(status);
        return route.wrapIn ? { [route.wrapIn]: result } : result;
      },
    });
  }
}

/**
 * `POST /api/invoke/<name>` for every handler: the arguments as the body, the result as the
 * answer. What the browser UI's HTTP bridge calls, so it needs no table of REST shapes.
 */
export function registerInvokeRoutes(app: FastifyInstance, options: HttpAdapterOptions): void {
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const spec = HANDLERS[name];
    app.post(
      `/api/invoke/${name}`,
      {
        schema: { summary: spec.summary, tags: ['invoke'], body: spec.args, response: { 200: spec.result, ...errorResponses(name) } },
        config: { createsWork: spec.createsWork },
        preValidation: emptyBodyIsNoArgs,
      },
      (request) => options.dispatcher.invokeValidated(name, request.body as HandlerInput<HandlerName>, options.callerOf(request)),
    );
  }
  // Static routes win over this one, so it answers only names that are not handlers.
  app.post('/api/invoke/:name', { schema: { hide: true } as FastifySchema }, (request, reply) => {
    const { name } = request.params as { name: string };
    return reply.code(404).send({ error: { code: 'not_found', message: `no handler named "${name}"` } });
  });
}
