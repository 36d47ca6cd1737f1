import type { FastifySchema } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { restRouteSchema, type RestRoute } from '../api/http-adapter';
import { HANDLER_NAMES, HANDLERS } from '../../shared/contract';
import { REST_ROUTES } from './routes/api-routes';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } };

function shapeKeys(schema: unknown): string[] {
  return Object.keys((schema as z.ZodObject | undefined)?.shape ?? {});
}

function responseSchema(route: RestRoute, status: number): z.ZodType {
  const response = (restRouteSchema(route) as FastifySchema & { response: Record<number, z.ZodType> }).response;
  return response[status]!;
}

function routeFor(method: string, url: string): RestRoute {
  const route = REST_ROUTES.find((r) => r.method === method && r.url === url);
  if (!route) throw new Error(`no REST route ${method} ${url}`);
  return route;
}

describe('REST routes against the handler declarations', () => {
  it('keeps the public routes of the job API, one handler each', () => {
    expect(REST_ROUTES.map((r) => `${r.method} ${r.url} ${r.handler}`)).toEqual([
      'GET /api/me session.whoami',
      'POST /api/jobs jobs.submit',
      'GET /api/jobs jobs.list',
      'GET /api/jobs/:id jobs.get',
      'GET /api/jobs/:id/result jobs.result',
      'DELETE /api/jobs/:id jobs.cancel',
      'PATCH /api/jobs/:id jobs.reprioritize',
      'POST /api/jobs/:id/retry jobs.retry',
      'GET /api/queue queue.snapshot',
      'POST /api/dispatch/pause dispatch.pause',
      'POST /api/dispatch/resume dispatch.resume',
      'GET /api/backend backend.state',
      'GET /api/stats/throughput stats.throughput',
      'POST /api/tokens tokens.create',
      'GET /api/tokens tokens.list',
      'DELETE /api/tokens/:name tokens.revoke',
      'POST /api/schedules schedules.create',
      'GET /api/schedules schedules.list',
      'GET /api/jobs/:id/batch batches.forJob',
      'GET /api/schedules/:name schedules.get',
      'PATCH /api/schedules/:name schedules.update',
      'DELETE /api/schedules/:name schedules.delete',
      'POST /api/schedules/:name/run schedules.run',
      'POST /api/indexes indexes.create',
      'GET /api/indexes indexes.list',
      'GET /api/indexes/:name indexes.get',
      'DELETE /api/indexes/:name indexes.delete',
      'POST /api/indexes/:name/search indexes.search',
    ]);
    expect(new Set(REST_ROUTES.map((r) => r.handler))).toEqual(new Set(HANDLER_NAMES));
  });

  it("splits each handler's arguments between path, query and body, losing none", () => {
    for (const route of REST_ROUTES) {
      const schema = restRouteSchema(route);
      const routed = [...shapeKeys(schema.params), ...shapeKeys(schema.body ?? schema.querystring)];
      expect({ route: route.url, keys: routed.sort() }).toEqual({ route: route.url, keys: shapeKeys(HANDLERS[route.handler].args).sort() });
    }
  });

  it('refuses at start a route that disagrees with its declaration', () => {
    expect(() => restRouteSchema({ method: 'GET', url: '/api/jobs/:jobId', handler: 'jobs.get', tags: [] })).toThrow(
      ':jobId is not an argument of jobs.get',
    );
    expect(() => restRouteSchema({ method: 'POST', url: '/api/jobs', handler: 'jobs.submit', tags: [] })).toThrow(
      'jobs.submit takes kind, model, input',
    );
  });
});

describe('answers match their documented schemas', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
    h.engine.setPaused(true);
  });
  afterAll(() => h.close());

  async function expectDocumented(method: RestRoute['method'], url: string, path: string, status: number, body?: unknown) {
    const response = await call(h, method, path, body === undefined ? {} : { body });
    expect({ path, status: response.status }).toEqual({ path, status });
    const parsed = responseSchema(routeFor(method, url), status).safeParse(response.body);
    expect({ path, issues: parsed.error?.issues ?? [] }).toEqual({ path, issues: [] });
    return response.body;
  }

  it('for every REST route', async () => {
    const { job } = await expectDocumented('POST', '/api/jobs', '/api/jobs', 202, SUBMIT);
    await expectDocumented('GET', '/api/me', '/api/me', 200);
    await expectDocumented('GET', '/api/jobs', '/api/jobs?limit=5', 200);
    await expectDocumented('GET', '/api/jobs/:id', `/api/jobs/${job.id}`, 200);
    await expectDocumented('GET', '/api/jobs/:id/result', `/api/jobs/${job.id}/result`, 409);
    await expectDocumented('PATCH', '/api/jobs/:id', `/api/jobs/${job.id}`, 200, { priority: 'high' });
    await expectDocumented('GET', '/api/queue', '/api/queue', 200);
    await expectDocumented('GET', '/api/backend', '/api/backend', 200);
    await expectDocumented('GET', '/api/stats/throughput', '/api/stats/throughput', 200);
    await expectDocumented('DELETE', '/api/jobs/:id', `/api/jobs/${job.id}`, 200);
    await expectDocumented('POST', '/api/jobs/:id/retry', `/api/jobs/${job.id}/retry`, 202);
    await expectDocumented('POST', '/api/dispatch/pause', '/api/dispatch/pause', 200);
    await expectDocumented('POST', '/api/dispatch/resume', '/api/dispatch/resume', 200);
    h.engine.setPaused(true);
    await expectDocumented('POST', '/api/tokens', '/api/tokens', 201, { name: 'contract-check' });
    await expectDocumented('GET', '/api/tokens', '/api/tokens', 200);
    await expectDocumented('DELETE', '/api/tokens/:name', '/api/tokens/contract-check', 200);
    const schedule = { name: 'contract-check', cron: '0 3 * * *', timezone: 'UTC', job: SUBMIT };
    await expectDocumented('POST', '/api/schedules', '/api/schedules', 201, schedule);
    await expectDocumented('GET', '/api/schedules', '/api/schedules', 200);
    await expectDocumented('GET', '/api/schedules/:name', '/api/schedules/contract-check', 200);
    await expectDocumented('PATCH', '/api/schedules/:name', '/api/schedules/contract-check', 200, { enabled: false });
    await expectDocumented('POST', '/api/schedules/:name/run', '/api/schedules/contract-check/run', 202);
    await expectDocumented('DELETE', '/api/schedules/:name', '/api/schedules/contract-check', 200);
    await expectDocumented('GET', '/api/jobs/:id', '/api/jobs/job_nope', 404);
  });

  it('for the invoke routes, which answer the bare result', async () => {
    const response = await call(h, 'POST', '/api/invoke/queue.snapshot', { body: { limit: 1 } });
    expect(response.status).toBe(200);
    expect(HANDLERS['queue.snapshot'].result.safeParse(response.body).success).toBe(true);
    const whoami = await call(h, 'POST', '/api/invoke/session.whoami');
    expect(HANDLERS['session.whoami'].result.parse(whoami.body)).toEqual({ owner: 'local', role: 'admin', maxPriority: 9 });
  });
});

describe('draining, from the declarations', () => {
  it('refuses the handlers that create work on every HTTP route, and only those', async () => {
    const h = await startHttpHarness();
    try {
      h.server.stopAccepting();
      for (const path of ['/api/jobs', '/api/invoke/jobs.submit']) {
        const refused = await call(h, 'POST', path, { body: SUBMIT });
        expect({ path, status: refused.status, code: refused.body.error?.code }).toEqual({ path, status: 503, code: 'shutting_down' });
      }
      expect((await call(h, 'POST', '/api/invoke/jobs.retry', { body: { id: 'job_nope' } })).status).toBe(503);
      expect((await call(h, 'POST', '/api/invoke/jobs.list', { body: {} })).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
