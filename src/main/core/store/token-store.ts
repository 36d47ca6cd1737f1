import type Database from 'better-sqlite3';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LmqError } from '../../../shared/errors';
import { MAX_PRIORITY, PRIORITY_NAMES } from '../../../shared/priority';
import {
  CreateTokenSchema,
  isReservedTokenName,
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

/** A stored token named `local` would own this machine's own jobs; such tokens (from before names were reserved) are refused. */
function impersonatesLocalUser(name: string): boolean {
  return name.toLowerCase() === 'local';
}

/** What the bootstrap did to the token named for it; anything but `unchanged` is logged. */
export type AdminBootstrapChange = 'created' | 'unchanged' | 'rotated' | 'took-over';

export interface AdminBootstrap {
  token: TokenInfo;
  change: AdminBootstrapChange;
  /** The role the token had before a take-over. */
  previousRole: Role | null;
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
      // Names are ASCII (the schema says so), which NOCASE folds.
      byNameIgnoringCase: db.prepare(`SELECT name FROM tokens WHERE name = ? COLLATE NOCASE LIMIT 1`),
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
    const existing = this.statements.byNameIgnoringCase.get(parsed.name) as { name: string } | undefined;
    if (existing) {
      const sameAs = existing.name === parsed.name ? '' : ` (names are compared ignoring case: "${parsed.name}" is "${existing.name}")`;
      throw new LmqError('invalid_state', `a token named "${existing.name}" already exists${sameAs}; revoke it first`);
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
      if (!row || impersonatesLocalUser(row.name)) return null;
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

  /** Why `authenticate` refused a secret that is a stored token's, or null (wrong or revoked). */
  refusalReason(secret: string): string | null {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return null;
    const row = this.statements.byHash.get(hashSecret(secret)) as TokenRow | undefined;
    if (!row || !impersonatesLocalUser(row.name)) return null;
    return `the token "${row.name}" no longer works: "local" is the name of this machine's own requests; an admin must revoke it and issue one under another name`;
  }

  /**
   * What an operator should know about names stored before `local` and `admin` were reserved
   * and names were compared ignoring case: each such token, and what happens to it.
   */
  nameWarnings(): string[] {
    const rows = this.statements.all.all() as TokenRow[];
    const warnings: string[] = [];
    for (const row of rows) {
      if (impersonatesLocalUser(row.name)) {
        warnings.push(`token "${row.name}" is refused: "local" is the name of this machine's own requests; revoke it (DELETE /api/tokens/${row.name}) and issue one under another name`);
      } else if (isReservedTokenName(row.name) && (row.name !== 'admin' || row.role !== 'admin')) {
        warnings.push(`token "${row.name}" (${row.role}) has the name of the LMQ_ADMIN_TOKEN token: setting LMQ_ADMIN_TOKEN will make "admin" an admin with that secret; revoke this one and issue one under another name`);
      }
    }
    const byFolded = new Map<string, string[]>();
    for (const row of rows) byFolded.set(row.name.toLowerCase(), [...(byFolded.get(row.name.toLowerCase()) ?? []), row.name]);
    for (const names of byFolded.values()) {
      if (names.length > 1) {
        warnings.push(`tokens ${names.map((n) => `"${n}"`).join(' and ')} differ only in case and look like one owner; they keep working as separate owners, but revoke all but one`);
      }
    }
    return warnings;
  }

  /**
   * Makes `name` an admin token with this secret (LMQ_ADMIN_TOKEN bootstrap). Idempotent; a
   * changed secret replaces the old one, so rotating the env var rotates the token. Says what it
   * changed, so the host can log a rotation or the take-over of a token of that name.
   */
  ensureAdmin(name: string, secret: string): AdminBootstrap {
    if (secret.length < 16 || secret.length > MAX_SECRET_LENGTH) {
      throw new LmqError('bad_request', `the admin token must be 16 to ${MAX_SECRET_LENGTH} characters long`);
    }
    const tokenHash = hashSecret(secret);
    this.byHash.clear();
    const existing = this.statements.byName.get(name) as TokenRow | undefined;
    let change: AdminBootstrapChange = 'unchanged';
    if (!existing) {
      this.statements.insert.run(name, 'admin', tokenHash, MAX_PRIORITY, null, null, this.now());
      change = 'created';
    } else if (existing.token_hash !== tokenHash || existing.role !== 'admin' || existing.max_priority !== MAX_PRIORITY) {
      this.statements.resetAdmin.run(tokenHash, MAX_PRIORITY, name);
      change = existing.role === 'admin' ? 'rotated' : 'took-over';
    }
    const token = this.toInfo(this.statements.byName.get(name) as TokenRow);
    return { token, change, previousRole: change === 'took-over' ? (existing!.role as Role) : null };
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
