/**
 * How each handler of the shared map travels over the job API's REST routes (DESIGN.md "Job
 * API"). Typed over every HandlerName, so a handler added to the contract stops compilation here.
 */
import type { HandlerArgs, HandlerName, HandlerResult } from '../../../shared/contract';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RestRoute<N extends HandlerName> {
  method: HttpMethod;
  path: (args: HandlerArgs<N>) => string;
  /** GET/DELETE: args as query string. */
  query?: (args: HandlerArgs<N>) => Record<string, unknown>;
  /** POST/PATCH: the JSON body. */
  body?: (args: HandlerArgs<N>) => unknown;
  /** Response body → handler result (several routes wrap results as `{job}` or `{tokens}`). */
  unwrap?: (body: unknown) => HandlerResult<N>;
}

export type RestRouteTable = { [N in HandlerName]: RestRoute<N> };

const segment = encodeURIComponent;
const unwrapJob = (body: unknown) => (body as { job: HandlerResult<'jobs.get'> }).job;
const withoutId = <T extends { id: string }>({ id: _id, ...rest }: T) => rest;

export const REST_ROUTES: RestRouteTable = {
  'session.whoami': { method: 'GET', path: () => '/api/me' },
  'jobs.submit': { method: 'POST', path: () => '/api/jobs', body: (args) => args, unwrap: unwrapJob },
  'jobs.get': { method: 'GET', path: ({ id }) => `/api/jobs/${segment(id)}`, unwrap: unwrapJob },
  'jobs.result': { method: 'GET', path: ({ id }) => `/api/jobs/${segment(id)}/result` },
  'jobs.list': { method: 'GET', path: () => '/api/jobs', query: (args) => ({ ...args }) },
  'jobs.cancel': { method: 'DELETE', path: ({ id }) => `/api/jobs/${segment(id)}`, unwrap: unwrapJob },
  'jobs.reprioritize': {
    method: 'PATCH',
    path: ({ id }) => `/api/jobs/${segment(id)}`,
    body: (args) => withoutId(args),
    unwrap: unwrapJob,
  },
  'jobs.retry': { method: 'POST', path: ({ id }) => `/api/jobs/${segment(id)}/retry`, unwrap: unwrapJob },
  'queue.snapshot': { method: 'GET', path: () => '/api/queue', query: (args) => ({ ...args }) },
  'backend.state': { method: 'GET', path: () => '/api/backend' },
  'dispatch.pause': { method: 'POST', path: () => '/api/dispatch/pause' },
  'dispatch.resume': { method: 'POST', path: () => '/api/dispatch/resume' },
  'tokens.create': { method: 'POST', path: () => '/api/tokens', body: (args) => args },
  'tokens.list': {
    method: 'GET',
    path: () => '/api/tokens',
    unwrap: (body) => (body as { tokens: HandlerResult<'tokens.list'> }).tokens,
  },
  'tokens.revoke': { method: 'DELETE', path: ({ name }) => `/api/tokens/${segment(name)}` },
};

export interface HttpRequestPlan {
  method: HttpMethod;
  /** Path plus query string, relative to the server's origin. */
  url: string;
  body: string | undefined;
}

function queryString(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' ? value !== '' : typeof value === 'number' || typeof value === 'boolean') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The HTTP request that carries `name(args)`. */
export function planRequest<N extends HandlerName>(name: N, args: HandlerArgs<N>): HttpRequestPlan {
  const route = REST_ROUTES[name] as RestRoute<N>;
  const query = route.query ? queryString(route.query(args)) : '';
  const body = route.body ? JSON.stringify(route.body(args)) : undefined;
  return { method: route.method, url: `${route.path(args)}${query}`, body };
}

export function unwrapResponse<N extends HandlerName>(name: N, body: unknown): HandlerResult<N> {
  const route = REST_ROUTES[name] as RestRoute<N>;
  return route.unwrap ? route.unwrap(body) : (body as HandlerResult<N>);
}
