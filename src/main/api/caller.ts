import { LmqError } from '../../shared/errors';
import type { Job } from '../../shared/job';
import { MAX_PRIORITY, priorityLabel } from '../../shared/priority';
import type { Caller, TokenIdentity } from '../../shared/tokens';

/**
 * Who is calling, as a transport learned it: the shared `Caller` plus the token's queue cap.
 * The IPC adapter passes a plain `Caller` (the desktop user, no cap).
 */
export interface CallerContext extends Caller {
  /** Most queued jobs this caller may have; null/undefined: the engine's default. */
  maxQueued?: number | null;
  /** The token this caller presented (absent for the local user). */
  token?: { name: string; requestsPerMinute: number | null };
  /** The request's Idempotency-Key header, where it creates work over HTTP. */
  idempotencyKey?: string;
}

/** The desktop user, and loopback requests when auth is not required. */
export const LOCAL_CALLER: Readonly<CallerContext> = Object.freeze({
  owner: 'local',
  role: 'admin',
  maxPriority: MAX_PRIORITY,
  maxQueued: null,
});

export function callerFromToken(token: TokenIdentity): CallerContext {
  return {
    owner: token.name,
    role: token.role,
    maxPriority: token.maxPriority,
    maxQueued: token.maxQueued,
    token: { name: token.name, requestsPerMinute: token.requestsPerMinute },
  };
}

export function requireAdmin(caller: Caller, action: string): void {
  if (caller.role !== 'admin') throw new LmqError('forbidden', `only an admin may ${action}`);
}

/** Members act on their own jobs only; admins on anyone's. */
export function requireOwnerOrAdmin(caller: Caller, job: Job, action: string): void {
  if (caller.role !== 'admin' && job.owner !== caller.owner) {
    throw new LmqError('forbidden', `you may ${action} your own jobs only; ${job.id} belongs to ${job.owner}`);
  }
}

export function requirePriorityAllowed(caller: Caller, priority: number): void {
  if (priority > caller.maxPriority) {
    throw new LmqError(
      'priority_not_allowed',
      `priority ${priorityLabel(priority)} is above your highest allowed priority ${priorityLabel(caller.maxPriority)}`,
    );
  }
}
