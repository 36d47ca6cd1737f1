import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCAL_CALLER, callerFromToken, type CallerContext } from '../api/caller';
import { TOKEN_PREFIX, type TokenStore } from '../core/store/token-store';
import { LmqError } from '../../shared/errors';
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
  // The socket's address, not X-Forwarded-For: a header is the client's word, the socket is not.
  const trustedLocal = !options.requireAuth && isLoopback(request.socket.remoteAddress);
  if (secret === undefined) {
    if (trustedLocal) return LOCAL_CALLER;
    throw new LmqError('unauthorized', 'a token is required: send "Authorization: Bearer <token>" (or "x-api-key: <token>")');
  }
  const token = options.tokens.authenticate(secret);
  if (!token) {
    if (trustedLocal && !secret.startsWith(TOKEN_PREFIX)) return LOCAL_CALLER;
    throw new LmqError('unauthorized', 'the token is not valid (wrong or revoked)');
  }
  const caller = callerFromToken(token);
  takeRequest(caller, options.rateLimiter);
  return caller;
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
