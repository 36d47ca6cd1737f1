import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
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

  it('reserves local and admin in any case, and compares names ignoring case (409)', () => {
    for (const name of ['local', 'LOCAL', 'admin', 'Admin']) {
      expect(() => store.create({ name }), name).toThrow(/may not be .*local.* or .*admin/);
    }
    store.create({ name: 'alice' });
    const duplicate = (() => {
      try {
        store.create({ name: 'ALICE' });
      } catch (error) {
        return error as LmqError;
      }
    })();
    expect(duplicate).toMatchObject({ status: 409, message: expect.stringContaining('"ALICE" is "alice"') });
  });

  it('refuses a stored token named local (from before names were reserved), warns about it and about look-alikes', () => {
    const insert = db.prepare(`INSERT INTO tokens (name, role, token_hash, max_priority, created_at) VALUES (?, ?, ?, 7, 0)`);
    const secret = 'lmq_legacy-local-secret-0123456789';
    insert.run('local', 'member', createHash('sha256').update(secret).digest('hex'));
    insert.run('admin', 'member', 'hash-of-admin');
    insert.run('alice', 'member', 'hash-of-alice');
    insert.run('ALICE', 'member', 'hash-of-ALICE');
    expect(store.authenticate(secret)).toBeNull();
    expect(store.refusalReason(secret)).toContain('"local" no longer works');
    expect(store.refusalReason('lmq_unknown')).toBeNull();
    const warnings = store.nameWarnings();
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/token "local" is refused/);
    expect(warnings.join('\n')).toMatch(/token "admin" \(member\) has the name of the LMQ_ADMIN_TOKEN token/);
    expect(warnings.join('\n')).toMatch(/tokens "ALICE" and "alice" differ only in case/);
  });

  it('ensureAdmin says what it did: created, unchanged, rotated, or took over a member named admin', () => {
    db.prepare(`INSERT INTO tokens (name, role, token_hash, max_priority, created_at) VALUES ('admin', 'member', 'x', 7, 0)`).run();
    expect(store.ensureAdmin('admin', 'bootstrap-secret-0123456789')).toMatchObject({ change: 'took-over', previousRole: 'member', token: { role: 'admin' } });
    expect(store.ensureAdmin('admin', 'bootstrap-secret-0123456789')).toMatchObject({ change: 'unchanged', previousRole: null });
    expect(store.ensureAdmin('admin', 'another-secret-0123456789')).toMatchObject({ change: 'rotated' });
    store.revoke('admin');
    expect(store.ensureAdmin('admin', 'another-secret-0123456789')).toMatchObject({ change: 'created' });
    expect(store.nameWarnings()).toEqual([]);
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
