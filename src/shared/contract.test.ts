import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HANDLER_NAMES, HANDLERS, isHandlerName } from './contract';
import { combineDomains } from './handlers/handler-spec';

describe('the handler contract', () => {
  it('declares each handler as domain.action with object arguments (HTTP splits them into path, query and body)', () => {
    for (const name of HANDLER_NAMES) {
      expect(name).toMatch(/^[a-z]+\.[a-z][A-Za-z]*$/);
      expect(HANDLERS[name].args).toBeInstanceOf(z.ZodObject);
    }
    expect(isHandlerName('jobs.submit')).toBe(true);
    expect(isHandlerName('toString')).toBe(false);
  });

  it('says which handlers are for admins and which create work', () => {
    const admin = HANDLER_NAMES.filter((name) => HANDLERS[name].access === 'admin');
    expect(admin.sort()).toEqual(['dispatch.pause', 'dispatch.resume', 'tokens.create', 'tokens.list', 'tokens.revoke']);
    expect(HANDLER_NAMES.filter((name) => HANDLERS[name].createsWork).sort()).toEqual(['indexes.create', 'indexes.search', 'jobs.retry', 'jobs.submit', 'schedules.run']);
  });

  it('refuses a name declared by two domains, naming both', () => {
    expect(() => combineDomains([['jobs', { 'jobs.get': 1 }], ['extras', { 'jobs.get': 2 }]])).toThrow(
      'handler "jobs.get" is registered twice (by jobs and by extras)',
    );
  });
});
