import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../core/testing/engine-harness';
import { LmqError } from '../../shared/errors';
import { LOCAL_CALLER, type CallerContext } from './caller';
import type { HandlerName, HandlerResult } from '../../shared/contract';
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
  let dispatchNow: <N extends HandlerName>(name: N, args: unknown, caller: CallerContext) => HandlerResult<N>;
  beforeEach(async () => {
    harness = await startHarness();
    harness.engine.setPaused(true);
    api = createDispatcher(harness.engine);
    // Every handler these tests call answers at once (only a search waits for work).
    dispatchNow = api.dispatch as <N extends HandlerName>(name: N, args: unknown, caller: CallerContext) => HandlerResult<N>;
  });
  afterEach(() => harness.engine.close({ graceMs: 0 }));

  it('registers every handler of the contract once', () => {
    expect([...api.names].sort()).toEqual(
      [
        'backend.state', 'dispatch.pause', 'dispatch.resume', 'jobs.cancel', 'jobs.get', 'jobs.list', 'jobs.reprioritize',
        'jobs.result', 'jobs.retry', 'jobs.submit', 'queue.snapshot', 'session.whoami', 'stats.throughput', 'tokens.create',
        'tokens.list', 'tokens.revoke', 'schedules.create', 'schedules.list', 'schedules.get', 'schedules.update',
        'schedules.delete', 'schedules.run', 'batches.forJob', 'indexes.create', 'indexes.list', 'indexes.get',
        'indexes.delete', 'indexes.search',
      ].sort(),
    );
    expect(api.has('jobs.get')).toBe(true);
    expect(api.has('jobs.delete')).toBe(false);
  });

  it('validates args with the shared schemas and names the field', () => {
    const error = failure(() => dispatchNow('jobs.submit', { ...SUBMIT, priority: 'soon' }, alice));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^priority: /);
    expect(failure(() => dispatchNow('jobs.get', {}, alice)).message).toMatch(/^id: /);
    expect(failure(() => dispatchNow('jobs.get' as never, { id: 'x', extra: 1 }, alice)).message).toContain('extra');
    expect(failure(() => dispatchNow('nope' as never, {}, alice)).code).toBe('not_found');
    // IPC may pass nothing for handlers that take nothing.
    expect(dispatchNow('backend.state', undefined, alice).status).toBe('up');
  });

  it('submits as the caller, within its priority ceiling', () => {
    expect(dispatchNow('jobs.submit', SUBMIT, alice)).toMatchObject({ owner: 'alice', priority: 5 });
    expect(dispatchNow('jobs.submit', { ...SUBMIT, priority: 'high' }, alice).priority).toBe(7);
    expect(failure(() => dispatchNow('jobs.submit', { ...SUBMIT, priority: 'urgent' }, alice)).code).toBe('priority_not_allowed');
    // A ceiling below normal is the default, not a refusal.
    expect(dispatchNow('jobs.submit', SUBMIT, bob).priority).toBe(3);
    expect(failure(() => dispatchNow('jobs.submit', SUBMIT, bob)).code).toBe('too_many_queued');
  });

  it('lets members act on their own jobs only; admins on anyone\'s', () => {
    const bobs = dispatchNow('jobs.submit', SUBMIT, bob);
    expect(dispatchNow('jobs.get', { id: bobs.id }, alice).id).toBe(bobs.id);
    expect(failure(() => dispatchNow('jobs.cancel', { id: bobs.id }, alice)).code).toBe('forbidden');
    expect(failure(() => dispatchNow('jobs.reprioritize', { id: bobs.id, priority: 1 }, alice)).code).toBe('forbidden');
    expect(failure(() => dispatchNow('jobs.result', { id: bobs.id }, alice)).code).toBe('forbidden');
    expect(failure(() => dispatchNow('jobs.reprioritize', { id: bobs.id, priority: 5 }, bob)).code).toBe('priority_not_allowed');
    expect(dispatchNow('jobs.reprioritize', { id: bobs.id, priority: 2 }, bob).priority).toBe(2);
    expect(dispatchNow('jobs.cancel', { id: bobs.id }, LOCAL_CALLER).state).toBe('canceled');
    const retried = dispatchNow('jobs.retry', { id: bobs.id }, LOCAL_CALLER);
    expect(retried.owner).toBe('bob');
  });

  it('keeps pause, resume and tokens for admins', () => {
    expect(failure(() => dispatchNow('dispatch.resume', {}, alice)).code).toBe('forbidden');
    expect(dispatchNow('dispatch.resume', {}, LOCAL_CALLER)).toEqual({ paused: false });
    expect(dispatchNow('dispatch.pause', {}, LOCAL_CALLER)).toEqual({ paused: true });
    for (const [name, args] of [['tokens.create', { name: 'eve' }], ['tokens.list', {}], ['tokens.revoke', { name: 'eve' }]] as const) {
      expect(failure(() => dispatchNow(name, args, alice)).code).toBe('forbidden');
    }
    const created = dispatchNow('tokens.create', { name: 'eve', maxPriority: 'low' }, LOCAL_CALLER);
    expect(created).toMatchObject({ name: 'eve', role: 'member', maxPriority: 3, token: expect.stringMatching(/^lmq_/) });
    expect(dispatchNow('tokens.list', {}, LOCAL_CALLER).map((t) => t.name)).toEqual(['eve']);
    expect(dispatchNow('tokens.revoke', { name: 'eve' }, LOCAL_CALLER)).toEqual({ revoked: 'eve' });
  });

  it('answers whoami with the shared Caller fields only', () => {
    expect(dispatchNow('session.whoami', {}, bob)).toEqual({ owner: 'bob', role: 'member', maxPriority: 3 });
  });
});
