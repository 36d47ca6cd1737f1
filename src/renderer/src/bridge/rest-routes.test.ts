import { describe, expect, it } from 'vitest';
import { planRequest, REST_ROUTES, unwrapResponse } from './rest-routes';

describe('REST route table', () => {
  it('covers every handler of the shared map', () => {
    expect(Object.keys(REST_ROUTES).sort()).toEqual(
      [
        'backend.state',
        'dispatch.pause',
        'dispatch.resume',
        'jobs.cancel',
        'jobs.get',
        'jobs.list',
        'jobs.reprioritize',
        'jobs.result',
        'jobs.retry',
        'jobs.submit',
        'queue.snapshot',
        'session.whoami',
        'tokens.create',
        'tokens.list',
        'tokens.revoke',
      ].sort(),
    );
  });

  it("maps handlers to the job API's methods and paths", () => {
    const submit = { kind: 'chat' as const, model: 'm', input: { messages: [] }, priority: 'high' };
    expect(planRequest('jobs.submit', submit)).toEqual({ method: 'POST', url: '/api/jobs', body: JSON.stringify(submit) });
    expect(planRequest('jobs.get', { id: 'a/b' })).toEqual({ method: 'GET', url: '/api/jobs/a%2Fb', body: undefined });
    expect(planRequest('jobs.result', { id: 'j1' }).url).toBe('/api/jobs/j1/result');
    expect(planRequest('jobs.cancel', { id: 'j1' })).toMatchObject({ method: 'DELETE', url: '/api/jobs/j1' });
    expect(planRequest('jobs.reprioritize', { id: 'j1', priority: 9 })).toEqual({
      method: 'PATCH',
      url: '/api/jobs/j1',
      body: '{"priority":9}',
    });
    expect(planRequest('jobs.retry', { id: 'j1' })).toMatchObject({ method: 'POST', url: '/api/jobs/j1/retry' });
    expect(planRequest('tokens.revoke', { name: 'bob' })).toMatchObject({ method: 'DELETE', url: '/api/tokens/bob' });
    expect(planRequest('session.whoami', undefined)).toMatchObject({ method: 'GET', url: '/api/me' });
  });

  it('puts list and snapshot arguments in the query string, leaving out empty ones', () => {
    expect(planRequest('queue.snapshot', { offset: 200, limit: 100 }).url).toBe('/api/queue?offset=200&limit=100');
    expect(planRequest('jobs.list', { state: 'failed', owner: '', search: 'a b', limit: 50, cursor: undefined }).url).toBe(
      '/api/jobs?state=failed&search=a+b&limit=50',
    );
  });

  it('unwraps {job} and {tokens} bodies', () => {
    expect(unwrapResponse('jobs.get', { job: { id: 'x' } })).toEqual({ id: 'x' });
    expect(unwrapResponse('tokens.list', { tokens: [{ name: 'a' }] })).toEqual([{ name: 'a' }]);
    expect(unwrapResponse('queue.snapshot', { running: [] })).toEqual({ running: [] });
  });
});
