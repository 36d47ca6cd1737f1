import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';

/** How long a key is remembered (as Stripe and OpenAI-style APIs do). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export interface RememberedKey {
  requestHash: string;
  jobId: string;
}

/** The same JSON whatever the order of an object's keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('base64url');
}

/**
 * Idempotency-Key → the first job made with it, per owner, for a day: a client that retries a
 * submission it never heard back about gets that job, not a second one. Writes join the caller's
 * transaction (the submission's group commit), so a key is durable exactly when its job is.
 */
export class IdempotencyStore {
  private readonly find: Database.Statement;
  private readonly remember: Database.Statement;
  private readonly forget: Database.Statement;
  private readonly purge: Database.Statement;

  constructor(db: Database.Database) {
    this.find = db.prepare('SELECT request_hash AS requestHash, job_id AS jobId FROM idempotency_keys WHERE owner = ? AND key = ? AND created_at >= ?');
    this.remember = db.prepare('INSERT OR REPLACE INTO idempotency_keys (owner, key, request_hash, job_id, created_at) VALUES (?, ?, ?, ?, ?)');
    this.forget = db.prepare('DELETE FROM idempotency_keys WHERE job_id = ?');
    this.purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  }

  lookup(owner: string, key: string, now: number): RememberedKey | null {
    return (this.find.get(owner, key, now - IDEMPOTENCY_WINDOW_MS) as RememberedKey | undefined) ?? null;
  }

  save(owner: string, key: string, hash: string, jobId: string, now: number): void {
    this.remember.run(owner, key, hash, jobId, now);
  }

  /** The job will never answer its caller (canceled at shutdown): a retry with its key starts afresh. */
  forgetJob(jobId: string): void {
    this.forget.run(jobId);
  }

  purgeExpired(now: number): number {
    return this.purge.run(now - IDEMPOTENCY_WINDOW_MS).changes;
  }
}
