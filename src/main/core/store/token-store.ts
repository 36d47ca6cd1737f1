import type Database from 'better-sqlite3';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LmqError } from '../../../shared/errors';
import { MAX_PRIORITY, PRIORITY_NAMES } from '../../../shared/priority';
import {
  CreateTokenSchema,
  type CreatedToken,
  type CreateTokenInput,
  type Role,
  type TokenIdentity,
  type TokenInfo,
} from '../../../shared/tokens';

export interface TokenStoreOptions {
  now?: () => number;
  /** lastUsedAt is written at most this often per token, so auth does not cost a write per request. */
  touchIntervalMs?: number;
}

/** A member may ask for `high` unless its token says otherwise; `urgent` stays with admins by default. */
export const DEFAULT_MEMBER_MAX_PRIORITY = PRIORITY_NAMES.high;
export const TOKEN_PREFIX = 'lmq_';
/** Longer than any secret we issue or would accept as a bootstrap secret; bounds the hashing work. */
const MAX_SECRET_LENGTH = 512;

interface TokenRow {
  name: string;
  role: string;
  token_hash: string;
  max_priority: number;
  requests_per_minute: number | null;
  max_queued: number | null;
  created_at: number;
  last_used_at: number | null;
}

/**
 * Tokens are 256-bit random secrets, so a fast unsalted SHA-256 is enough: nothing to brute
 * force, and an exact-hash index lets us find the row without scanning.
 */
function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

function newSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * API tokens: who may call the server, as which owner and role, with which limits.
 * Secrets exist in plain text only in the value `create` returns; the table holds hashes.
 */
export class TokenStore {
  private readonly now: () => number;
  private readonly touchIntervalMs: number;
  /** Last use seen in memory (fresher than the throttled column). */
  private readonly lastUsed = new Map<string, number>();
  private readonly lastWritten = new Map<string, number>();
  /**
   * Valid tokens by hash, so a request costs a hash and a map lookup rather than a query. This
   * store is the only writer of the table (one engine per data directory), so it stays exact.
   * Misses are not cached: garbage tokens cannot grow it.
   */
  private readonly byHash = new Map<string, { identity: TokenIdentity; stored: Buffer }>();
  private readonly revokedListeners = new Set<(name: string) => void>();
  private readonly statements;

  constructor(db: Database.Database, options: TokenStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.statements = {
      insert: db.prepare(`INSERT INTO tokens (name, role, token_hash, max_priority, requests_per_minute, max_queued,
          created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`),
      byName: db.prepare(`SELECT * FROM tokens WHERE name = ?`),
      byHash: db.prepare(`SELECT * FROM tokens WHERE token_hash = ?`),
      all: db.prepare(`SELECT * FROM tokens ORDER BY created_at, name`),
      remove: db.prepare(`DELETE FROM tokens WHERE name = ?`),
      touch: db.prepare(`UPDATE tokens SET last_used_at = ? WHERE name = ?`),
      resetAdmin: db.prepare(`UPDATE tokens SET role = 'admin', token_hash = ?, max_priority = ? WHERE name = ?`),
    };
  }

  /** Issues a new token. The returned `token` is the only copy of the secret. */
  create(input: CreateTokenInput): CreatedToken {
    const parsed = CreateTokenSchema.parse(input);
    if (this.statements.byName.get(parsed.name)) {
      throw new LmqError('invalid_state', `a token named "${parsed.name}" already exists; revoke it first`);
    }
    const secret = newSecret();
    const maxPriority = parsed.maxPriority ?? defaultMaxPriority(parsed.role);
    const createdAt = this.now();
    this.statements.insert.run(
      parsed.name,
      parsed.role,
      hashSecret(secret),
      maxPriority,
      parsed.requestsPerMinute ?? null,
      parsed.maxQueued ?? null,
      createdAt,
    );
    return {
      name: parsed.name,
      role: parsed.role,
      maxPriority,
      requestsPerMinute: parsed.requestsPerMinute ?? null,
      maxQueued: parsed.maxQueued ?? null,
      createdAt: new Date(createdAt).toISOString(),
      lastUsedAt: null,
      token: secret,
    };
  }

  list(): TokenInfo[] {
    return (this.statements.all.all() as TokenRow[]).map((row) => this.toInfo(row));
  }

  revoke(name: string): void {
    if (this.statements.remove.run(name).changes === 0) {
      throw new LmqError('not_found', `no token named "${name}"`);
    }
    this.lastUsed.delete(name);
    this.lastWritten.delete(name);
    for (const [key, cached] of this.byHash) if (cached.identity.name === name) this.byHash.delete(key);
    for (const listener of this.revokedListeners) listener(name);
  }

  /** Calls `listener` with a token's name once it is revoked (to end that token's sessions). */
  onRevoked(listener: (name: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /**
   * Who a secret belongs to, or null. Records the use (throttled). The identity is cached (no
   * query, no object built per request); it is frozen, as the cache hands out the same one.
   */
  authenticate(secret: string): TokenIdentity | null {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return null;
    const hex = hashSecret(secret);
    let cached = this.byHash.get(hex);
    if (!cached) {
      const row = this.statements.byHash.get(hex) as TokenRow | undefined;
      if (!row) return null;
      const identity: TokenIdentity = {
        name: row.name,
        role: row.role as Role,
        maxPriority: row.max_priority,
        requestsPerMinute: row.requests_per_minute,
        maxQueued: row.max_queued,
      };
      cached = { identity: Object.freeze(identity), stored: Buffer.from(row.token_hash, 'latin1') };
      this.byHash.set(hex, cached);
    }
    // The lookup already matched; the constant-time compare keeps the final check free of early
    // exits should the lookup ever become a prefix or collation match.
    const digest = Buffer.from(hex, 'latin1');
    if (cached.stored.length !== digest.length || !timingSafeEqual(cached.stored, digest)) return null;
    this.touch(cached.identity.name);
    return cached.identity;
  }

  /**
   * Makes `name` an admin token with this secret (LMQ_ADMIN_TOKEN bootstrap). Idempotent; a
   * changed secret replaces the old one, so rotating the env var rotates the token.
   */
  ensureAdmin(name: string, secret: string): TokenInfo {
    if (secret.length < 16 || secret.length > MAX_SECRET_LENGTH) {
      throw new LmqError('bad_request', `the admin token must be 16 to ${MAX_SECRET_LENGTH} characters long`);
    }
    const tokenHash = hashSecret(secret);
    this.byHash.clear();
    const existing = this.statements.byName.get(name) as TokenRow | undefined;
    if (!existing) {
      this.statements.insert.run(name, 'admin', tokenHash, MAX_PRIORITY, null, null, this.now());
    } else if (existing.token_hash !== tokenHash || existing.role !== 'admin' || existing.max_priority !== MAX_PRIORITY) {
      this.statements.resetAdmin.run(tokenHash, MAX_PRIORITY, name);
    }
    return this.toInfo(this.statements.byName.get(name) as TokenRow);
  }

  private touch(name: string): void {
    const now = this.now();
    this.lastUsed.set(name, now);
    const written = this.lastWritten.get(name);
    if (written === undefined || now - written >= this.touchIntervalMs) {
      this.lastWritten.set(name, now);
      this.statements.touch.run(now, name);
    }
  }

  private toInfo(row: TokenRow): TokenInfo {
    const lastUsed = Math.max(row.last_used_at ?? 0, this.lastUsed.get(row.name) ?? 0);
    return {
      name: row.name,
      role: row.role as Role,
      maxPriority: row.max_priority,
      requestsPerMinute: row.requests_per_minute,
      maxQueued: row.max_queued,
      createdAt: new Date(row.created_at).toISOString(),
      lastUsedAt: iso(lastUsed === 0 ? null : lastUsed),
    };
  }
}

function defaultMaxPriority(role: Role): number {
  return role === 'admin' ? MAX_PRIORITY : DEFAULT_MEMBER_MAX_PRIORITY;
}
