/**
 * Who an SDK connection is. LM Studio's SDK sends no header: its first message carries a
 * `clientIdentifier` and a `clientPasskey`. The passkey is the LM Queue token; the identifier,
 * which LM Studio uses only to tell clients apart, may carry `priority=` and `lane=` for every
 * request of the connection (the protocol has no other place for them).
 */
import type { FastifyRequest } from 'fastify';
import { LOCAL_CALLER, callerFromToken, type CallerContext } from '../../api/caller';
import { TOKEN_PREFIX, type TokenStore } from '../../core/store/token-store';
import { LmqError } from '../../../shared/errors';
import { LaneSchema, type Lane } from '../../../shared/job';
import { parsePriority } from '../../../shared/priority';
import { isLoopback } from '../auth';
import { mayActAsLocalUser } from '../host-check';

export interface SdkCallerOptions {
  tokens: TokenStore;
  requireAuth: boolean;
}

export interface SdkConnectionSettings {
  priority?: number;
  lane?: Lane;
}

const HOW_TO_SEND_A_TOKEN = 'new LMStudioClient({ baseUrl: "ws://HOST:PORT", clientIdentifier: "lmq", clientPasskey: "<LM Queue token>" })';

/** `priority=high;lane=batch` (`,`, `;`, `&` or spaces between); other words are the client's own name. */
export function connectionSettings(clientIdentifier: string): SdkConnectionSettings {
  const settings: SdkConnectionSettings = {};
  for (const word of clientIdentifier.split(/[;,&\s]+/)) {
    const [key, value] = word.split('=', 2);
    if (value === undefined) continue;
    if (key === 'priority') {
      const priority = parsePriority(value);
      if (priority === null) throw new LmqError('bad_request', `clientIdentifier: priority must be 0-9 or background|low|normal|high|urgent, not "${value}"`);
      settings.priority = priority;
    }
    if (key === 'lane') {
      const lane = LaneSchema.safeParse(value);
      if (!lane.success) throw new LmqError('bad_request', `clientIdentifier: lane must be ${LaneSchema.options.join(', ')}, not "${value}"`);
      settings.lane = lane.data;
    }
  }
  return settings;
}

/**
 * The passkey as a token, with the same rules as a bearer header: one of ours that is wrong is
 * refused everywhere; anything else (the SDK's random guest passkey) acts as the local user only
 * over loopback, to a loopback Host, from no foreign web page, and unless auth is required.
 */
export function sdkCaller(clientPasskey: string, request: FastifyRequest, options: SdkCallerOptions): CallerContext {
  const token = options.tokens.authenticate(clientPasskey);
  if (token) return callerFromToken(token);
  if (clientPasskey.startsWith(TOKEN_PREFIX)) {
    throw new LmqError('unauthorized', options.tokens.refusalReason(clientPasskey) ?? 'the token is not valid (wrong or revoked)');
  }
  // The socket's address, not X-Forwarded-For: a header is the client's word, the socket is not.
  if (options.requireAuth || !isLoopback(request.socket.remoteAddress) || !mayActAsLocalUser(request.headers.host, request.headers.origin)) {
    throw new LmqError('unauthorized', `LM Queue needs a token as the passkey: ${HOW_TO_SEND_A_TOKEN}`);
  }
  return LOCAL_CALLER;
}
