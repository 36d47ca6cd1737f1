import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCAL_CALLER, callerFromToken, type CallerContext } from '../api/caller';
import type { Logger } from 'pino';
import { TOKEN_PREFIX, type TokenStore } from '../core/store/token-store';
import { LmqError } from '../../shared/errors';
import { hostnameOf, isLoopbackName, mayActAsLocalUser } from './host-check';
import type { RateLimiter } from './rate-limiter';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Accepts `?token=`: browsers cannot set headers on EventSource or WebSocket. */
    queryToken?: boolean;
  }
  interface FastifyRequest {
    caller: CallerContext | null;
  }
}

export interface AuthOptions {
  tokens: TokenStore;
  /** Loopback requests need a token too. */
  requireAuth: boolean;
  rateLimiter: RateLimiter;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Not a bearer token at all: treated as a wrong token (refused unless the caller is trusted local).
    return match ? match[1] : '';
  }
  // Anthropic clients send their key this way (Claude Code with ANTHROPIC_API_KEY): the same tokens.
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey.trim();
  if (request.routeOptions.config.queryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string' && token.length > 0) return token;
  }
  return undefined;
}

/**
 * Who is calling: a token's owner, or the local admin for loopback requests when auth is not
 * required. On loopback a key that is not one of ours is ignored rather than refused: OpenAI
 * clients insist on sending some key (LM Studio users write "lm-studio"), and the caller is
 * trusted anyway. A key that looks like ours (`lmq_…`) but is wrong or revoked is refused
 * everywhere, so a teammate whose token was revoked finds out.
 */
export function resolveCaller(request: FastifyRequest, options: AuthOptions): CallerContext {
  const secret = bearerToken(request);
  const token = secret === undefined ? null : options.tokens.authenticate(secret);
  if (!token) {
    if (secret !== undefined && secret.startsWith(TOKEN_PREFIX)) {
      throw new LmqError('unauthorized', options.tokens.refusalReason(secret) ?? 'the token is not valid (wrong or revoked)');
    }
    return localCaller(request, secret, options);
  }
  const caller = callerFromToken(token);
  takeRequest(caller, options.rateLimiter);
  return caller;
}

/**
 * A request without one of our tokens: the local user if it may be (loopback socket, loopback
 * Host, no foreign web page behind it), else refused saying what is missing.
 */
function localCaller(request: FastifyRequest, secret: string | undefined, options: AuthOptions): CallerContext {
  const required =
    secret === undefined ? 'a token is required: send "Authorization: Bearer <token>" (or "x-api-key: <token>")' : 'the token is not valid (wrong or revoked)';
  // The socket's address, not X-Forwarded-For: a header is the client's word, the socket is not.
  if (options.requireAuth || !isLoopback(request.socket.remoteAddress)) throw new LmqError('unauthorized', required);
  const { host, origin } = request.headers;
  if (mayActAsLocalUser(host, origin)) return LOCAL_CALLER;
  if (!isLoopbackName(hostnameOf(host))) {
    throw new LmqError('unauthorized', `${required}; only requests to localhost, 127.0.0.1 or [::1] act as this machine's user without one, and this one came to "${host ?? ''}"`);
  }
  throw new LmqError(
    'forbidden_origin',
    `a web page from ${origin} may not act as this machine's user; send a token (Authorization: Bearer <token>): only the web UI served here is trusted without one`,
  );
}

/** Counts one request against the caller's token allowance; throws `rate_limited` past it. */
export function takeRequest(caller: CallerContext, rateLimiter: RateLimiter): void {
  const token = caller.token;
  if (!token || token.requestsPerMinute === null) return;
  const decision = rateLimiter.take(token.name, token.requestsPerMinute);
  if (!decision.allowed) {
    throw new LmqError('rate_limited', `token "${token.name}" is limited to ${token.requestsPerMinute} requests per minute`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/**
 * Every route registered in `scope` needs a caller: register this in an encapsulated plugin
 * (Fastify's own model) and put the protected routes beside it; routes outside it (health, docs,
 * the web UI) never run the hook.
 */
export function requireCaller(scope: FastifyInstance, options: AuthOptions): void {
  scope.decorateRequest('caller', null);
  // A callback hook, not an async one: an async hook costs every request a promise and a turn.
  scope.addHook('onRequest', (request, _reply, done) => {
    try {
      request.caller = resolveCaller(request, options);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}

/** The caller of a protected route (the hook ran); a route reached without one is a wiring bug. */
export function callerOf(request: FastifyRequest): CallerContext {
  if (!request.caller) throw new LmqError('internal', 'route has no authenticated caller');
  return request.caller;
}

/** The bootstrap admin token (LMQ_ADMIN_TOKEN) is stored under this name. */
export const ADMIN_TOKEN_NAME = 'admin';

/**
 * Applies LMQ_ADMIN_TOKEN (when given) and says once, at start, what changed and which stored
 * names need an admin's attention. Never logs a secret.
 */
export function prepareTokens(tokens: TokenStore, adminSecret: string | null | undefined, logger: Logger | undefined): void {
  if (adminSecret) {
    const { change, previousRole } = tokens.ensureAdmin(ADMIN_TOKEN_NAME, adminSecret);
    if (change === 'created') logger?.info(`LMQ_ADMIN_TOKEN: created the admin token "${ADMIN_TOKEN_NAME}"`);
    if (change === 'rotated') {
      logger?.warn(`LMQ_ADMIN_TOKEN changed: the token "${ADMIN_TOKEN_NAME}" now has the new secret; the old secret no longer works`);
    }
    if (change === 'took-over') {
      logger?.warn(
        `LMQ_ADMIN_TOKEN took over the existing token "${ADMIN_TOKEN_NAME}" (it was a ${previousRole}): it is now an admin with the LMQ_ADMIN_TOKEN secret, and its old secret no longer works`,
      );
    }
  }
  for (const warning of tokens.nameWarnings()) logger?.warn(warning);
}
