import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LmqError } from '../../../shared/errors';
import { migrate } from './schema';
import { DEFAULT_MEMBER_MAX_PRIORITY, TokenStore } from './token-store';

describe('TokenStore', () => {
  let db: Database.Database;
  let now: number;
  let store: TokenStore;

  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    now = Date.parse('2025-01-01T00:00:00Z');
    store = new TokenStore(db, { now: () => now, touchIntervalMs: 60_000 });
  });
  afterEach(() => db.close());

  it('issues an lmq_ secret once and stores only its hash', () => {
    const created = store.create({ name: 'alice', role: 'member' });
    expect(created.token).toMatch(/^lmq_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'alice', role: 'member', maxPriority: DEFAULT_MEMBER_MAX_PRIORITY });
    const dump = JSON.stringify(db.prepare('SELECT * FROM tokens').all());
    expect(dump).not.toContain(created.token);
    expect(dump).not.toContain(created.token.slice(4));
    expect(store.list()[0]).not.toHaveProperty('token');
  });

  it('authenticates the secret, and nothing else', () => {
    const alice = store.create({ name: 'alice', maxPriority: 'low', requestsPerMinute: 60, maxQueued: 10 });
    expect(store.authenticate(alice.token)).toMatchObject({
      name: 'alice',
      role: 'member',
      maxPriority: 3,
      requestsPerMinute: 60,
      maxQueued: 10,
    });
    expect(store.authenticate(alice.token + 'x')).toBeNull();
    expect(store.authenticate('')).toBeNull();
    expect(store.authenticate('lmq_' + 'A'.repeat(43))).toBeNull();
    expect(store.authenticate('x'.repeat(10_000))).toBeNull();
  });

  it('gives admins priority 9 by default and rejects duplicate names with 409', () => {
    expect(store.create({ name: 'root', role: 'admin' }).maxPriority).toBe(9);
    const duplicate = (() => {
      try {
        store.create({ name: 'root' });
      } catch (error) {
        return error;
      }
    })();
    expect(duplicate).toBeInstanceOf(LmqError);
    expect((duplicate as LmqError).status).toBe(409);
  });

  it('validates input with the shared schema', () => {
    expect(() => store.create({ name: 'has space' })).toThrow(/letters, digits/);
    expect(() => store.create({ name: 'bob', maxPriority: 12 })).toThrow(/priority/);
  });

  it('revokes: the secret stops working; unknown names are 404', () => {
    const bob = store.create({ name: 'bob' });
    expect(store.authenticate(bob.token)?.name).toBe('bob'); // now cached
    store.revoke('bob');
    expect(store.authenticate(bob.token)).toBeNull();
    expect(store.list()).toEqual([]);
    expect(() => store.revoke('bob')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('records last use, writing the column at most once per interval', () => {
    const carol = store.create({ name: 'carol' });
    const column = () => (db.prepare('SELECT last_used_at FROM tokens').get() as { last_used_at: number | null }).last_used_at;
    store.authenticate(carol.token);
    const first = now;
    expect(column()).toBe(first);
    now += 5_000;
    store.authenticate(carol.token);
    expect(column()).toBe(first);
    expect(store.list()[0]!.lastUsedAt).toBe(new Date(now).toISOString());
    now += 60_000;
    store.authenticate(carol.token);
    expect(column()).toBe(now);
  });

  it('ensureAdmin bootstraps, is idempotent, and rotates the secret', () => {
    const secret = 'bootstrap-secret-0123456789';
    store.ensureAdmin('admin', secret);
    store.ensureAdmin('admin', secret);
    expect(store.list()).toHaveLength(1);
    expect(store.authenticate(secret)).toMatchObject({ name: 'admin', role: 'admin', maxPriority: 9 });
    expect(store.authenticate(secret)?.name).toBe('admin'); // now cached
    store.ensureAdmin('admin', 'another-secret-0123456789');
    expect(store.authenticate(secret)).toBeNull();
    expect(store.authenticate('another-secret-0123456789')?.name).toBe('admin');
    expect(() => store.ensureAdmin('admin', 'short')).toThrow(/16/);
  });
});
