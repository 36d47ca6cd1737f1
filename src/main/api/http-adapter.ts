import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import { HANDLERS, type HandlerName, type HandlerResult } from '../../shared/contract';
import type { ErrorBody } from '../../shared/errors';
import { toLmqError } from './api-errors';
import type { CallerContext } from './caller';
import type { Dispatcher } from './dispatcher';

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

export function sendHttpError(reply: FastifyReply, error: unknown): FastifyReply {
  const response = httpErrorResponse(error);
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** A REST route that is one handler of the shared contract. */
export interface HandlerRoute<N extends HandlerName> {
  method: HTTPMethods;
  url: string;
  handler: N;
  /** Handler args from the request: body, params and query as the route defines them. */
  args: (request: FastifyRequest) => unknown;
  /** Response body from the handler's result; default: the result itself. */
  respond?: (result: HandlerResult<N>) => unknown;
  /** Success status; default 200. */
  status?: number;
  /** OpenAPI description only: the dispatcher validates. */
  schema?: FastifySchema;
}

export interface HttpAdapterOptions {
  dispatcher: Dispatcher;
  /** The caller the server's auth hook attached to the request. */
  callerOf: (request: FastifyRequest) => CallerContext;
}

/** Registers REST routes that translate HTTP to `dispatch(name, args, caller)` and back. */
export function registerHandlerRoutes(
  app: FastifyInstance,
  options: HttpAdapterOptions,
  routes: ReadonlyArray<HandlerRoute<HandlerName>>,
): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.schema ? { schema: route.schema } : {}),
      config: { createsWork: HANDLERS[route.handler].createsWork },
      handler: async (request, reply) => {
        const result = await options.dispatcher.invoke(route.handler, route.args(request), options.callerOf(request));
        reply.code(route.status ?? 200);
        return reply.send(route.respond ? route.respond(result) : result);
      },
    });
  }
}

/** Keeps each route's handler name and result type tied together in a route table. */
export function handlerRoute<N extends HandlerName>(route: HandlerRoute<N>): HandlerRoute<HandlerName> {
  return route as unknown as HandlerRoute<HandlerName>;
}
