import Database from 'better-sqlite3';
import pino from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../core/store/schema';
import { TokenStore } from '../core/store/token-store';
import { prepareTokens } from './auth';
import { call, startHttpHarness, type HttpHarness } from './testing/http-harness';

/** A pino logger whose lines land in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

// On the code before this change: `local` and `ALICE` were created (201), and the take-over logged nothing.
describe('token names over HTTP', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('refuses the reserved names local and admin, in any case, with a 400 that says why', async () => {
    for (const name of ['local', 'Local', 'admin', 'ADMIN']) {
      const response = await call(h, 'POST', '/api/tokens', { body: { name } });
      expect(response.status, name).toBe(400);
      expect(response.body.error.message).toContain('name: name may not be "local" or "admin" in any case');
    }
  });

  it('treats names that differ only in case as the same name: 409', async () => {
    expect((await call(h, 'POST', '/api/tokens', { body: { name: 'alice' } })).status).toBe(201);
    const twin = await call(h, 'POST', '/api/tokens', { body: { name: 'ALICE' } });
    expect(twin.status).toBe(409);
    expect(twin.body.error.message).toContain('"ALICE" is "alice"');
  });
});

describe('LMQ_ADMIN_TOKEN at start', () => {
  const secret = 'bootstrap-secret-0123456789-abcdef';

  it('logs once, without the secret, when it takes over a token named admin, and when it rotates', () => {
    const db = new Database(':memory:');
    migrate(db);
    const tokens = new TokenStore(db);
    db.prepare(`INSERT INTO tokens (name, role, token_hash, max_priority, created_at) VALUES ('admin', 'member', 'old', 7, 0)`).run();
    const { logger, lines } = capturingLogger();
    prepareTokens(tokens, secret, logger);
    prepareTokens(tokens, secret, logger);
    expect(lines.map((line) => line.msg)).toEqual([expect.stringContaining('took over the existing token "admin" (it was a member)')]);
    expect(lines[0]!.level).toBe(40);
    prepareTokens(tokens, `${secret}-rotated`, logger);
    expect(lines.map((line) => line.msg)[1]).toContain('the old secret no longer works');
    expect(JSON.stringify(lines)).not.toContain(secret);
    db.close();
  });

  it('warns at start about stored names that need an admin', () => {
    const db = new Database(':memory:');
    migrate(db);
    const tokens = new TokenStore(db);
    db.prepare(`INSERT INTO tokens (name, role, token_hash, max_priority, created_at) VALUES ('local', 'member', 'h', 7, 0)`).run();
    const { logger, lines } = capturingLogger();
    prepareTokens(tokens, null, logger);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('token "local" is refused') })]);
    db.close();
  });
});
