import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../core/testing/engine-harness';
import { LmqError } from '../../shared/errors';
import { LOCAL_CALLER, type CallerContext } from './caller';
import { combineHandlers, createDispatcher, type Dispatcher } from './dispatcher';

const alice: CallerContext = { owner: 'alice', role: 'member', maxPriority: 7, maxQueued: null };
const bob: CallerContext = { owner: 'bob', role: 'member', maxPriority: 3, maxQueued: 1 };
const SUBMIT = { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } };

function failure(run: () => unknown): LmqError {
  try {
    run();
  } catch (error) {
    if (error instanceof LmqError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('combineHandlers', () => {
  it('refuses a name registered by two domains, naming both', () => {
    const handler = () => ({ owner: 'x', role: 'admin' as const, maxPriority: 9 });
    expect(() => combineHandlers([['session', { 'session.whoami': handler }], ['extras', { 'session.whoami': handler }]])).toThrow(
      'handler "session.whoami" is registered twice (by session and by extras)',
    );
  });
});

describe('dispatcher', () => {
  let harness: Harness;
  let api: Dispatcher;
  beforeEach(async () => {
    harness = await startHarness();
    harness.engine.setPaused(true);
    api = createDispatcher(harness.engine);
  });
  afterEach(() => harness.engine.close({ graceMs: 0 }));

  it('registers every handler of the contract once', () => {
    expect([...api.names].sort()).toEqual(
      [
        'backend.state', 'dispatch.pause', 'dispatch.resume', 'jobs.cancel', 'jobs.get', 'jobs.list', 'jobs.reprioritize',
        'jobs.result', 'jobs.retry', 'jobs.submit', 'queue.snapshot', 'session.whoami', 'stats.throughput', 'tokens.create',
        'tokens.list', 'tokens.revoke', 'schedules.create', 'schedules.list', 'schedules.get', 'schedules.update',
        'schedules.delete', 'schedules.run', 'batches.forJob',
      ].sort(),
    );
    expect(api.has('jobs.get')).toBe(true);
    expect(api.has('jobs.delete')).toBe(false);
  });

  it('validates args with the shared schemas and names the field', () => {
    const error = failure(() => api.dispatch('jobs.submit', { ...SUBMIT, priority: 'soon' }, alice));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^priority: /);
    expect(failure(() => api.dispatch('jobs.get', {}, alice)).message).toMatch(/^id: /);
    expect(failure(() => api.dispatch('jobs.get' as never, { id: 'x', extra: 1 }, alice)).message).toContain('extra');
    expect(failure(() => api.dispatch('nope' as never, {}, alice)).code).toBe('not_found');
    // IPC may pass nothing for handlers that take nothing.
    expect(api.dispatch('backend.state', undefined, alice).status).toBe('up');
  });

  it('submits as the caller, within its priority ceiling', () => {
    expect(api.dispatch('jobs.submit', SUBMIT, alice)).toMatchObject({ owner: 'alice', priority: 5 });
    expect(api.dispatch('jobs.submit', { ...SUBMIT, priority: 'high' }, alice).priority).toBe(7);
    expect(failure(() => api.dispatch('jobs.submit', { ...SUBMIT, priority: 'urgent' }, alice)).code).toBe('priority_not_allowed');
    // A ceiling below normal is the default, not a refusal.
    expect(api.dispatch('jobs.submit', SUBMIT, bob).priority).toBe(3);
    expect(failure(() => api.dispatch('jobs.submit', SUBMIT, bob)).code).toBe('too_many_queued');
  });

  it('lets members act on their own jobs only; admins on anyone\'s', () => {
    const bobs = api.dispatch('jobs.submit', SUBMIT, bob);
    expect(api.dispatch('jobs.get', { id: bobs.id }, alice).id).toBe(bobs.id);
    expect(failure(() => api.dispatch('jobs.cancel', { id: bobs.id }, alice)).code).toBe('forbidden');
    expect(failure(() => api.dispatch('jobs.reprioritize', { id: bobs.id, priority: 1 }, alice)).code).toBe('forbidden');
    expect(failure(() => api.dispatch('jobs.result', { id: bobs.id }, alice)).code).toBe('forbidden');
    expect(failure(() => api.dispatch('jobs.reprioritize', { id: bobs.id, priority: 5 }, bob)).code).toBe('priority_not_allowed');
    expect(api.dispatch('jobs.reprioritize', { id: bobs.id, priority: 2 }, bob).priority).toBe(2);
    expect(api.dispatch('jobs.cancel', { id: bobs.id }, LOCAL_CALLER).state).toBe('canceled');
    const retried = api.dispatch('jobs.retry', { id: bobs.id }, LOCAL_CALLER);
    expect(retried.owner).toBe('bob');
  });

  it('keeps pause, resume and tokens for admins', () => {
    expect(failure(() => api.dispatch('dispatch.resume', {}, alice)).code).toBe('forbidden');
    expect(api.dispatch('dispatch.resume', {}, LOCAL_CALLER)).toEqual({ paused: false });
    expect(api.dispatch('dispatch.pause', {}, LOCAL_CALLER)).toEqual({ paused: true });
    for (const [name, args] of [['tokens.create', { name: 'eve' }], ['tokens.list', {}], ['tokens.revoke', { name: 'eve' }]] as const) {
      expect(failure(() => api.dispatch(name, args, alice)).code).toBe('forbidden');
    }
    const created = api.dispatch('tokens.create', { name: 'eve', maxPriority: 'low' }, LOCAL_CALLER);
    expect(created).toMatchObject({ name: 'eve', role: 'member', maxPriority: 3, token: expect.stringMatching(/^lmq_/) });
    expect(api.dispatch('tokens.list', {}, LOCAL_CALLER).map((t) => t.name)).toEqual(['eve']);
    expect(api.dispatch('tokens.revoke', { name: 'eve' }, LOCAL_CALLER)).toEqual({ revoked: 'eve' });
  });

  it('answers whoami with the shared Caller fields only', () => {
    expect(api.dispatch('session.whoami', {}, bob)).toEqual({ owner: 'bob', role: 'member', maxPriority: 3 });
  });
});
