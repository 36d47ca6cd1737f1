/**
 * Anthropic's Messages API (`POST /v1/messages`, what Claude Code speaks), queued. Keys come as
 * `x-api-key` or a bearer token (auth.ts); every error leaves in Anthropic's shape
 * `{type: "error", error: {type, message}}`, ours (auth, limits, queue full) included.
 */
import { reshapeErrorBodies, sentMessage } from '../error-handling';
import type { FastifyInstance } from 'fastify';
import { LmqError } from '../../../shared/errors';
import { registerQueuedPost } from './openai-routes';
import type { RelayOptions, StreamDialect } from './queued-relay';

/** Anthropic's error types by HTTP status. */
function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function anthropicError(status: number, message: string): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicErrorType(status), message } };
}

/** Messages streams: typed events; while queued, Anthropic's own `ping` (which its clients skip) carries our status. */
export const MESSAGES_STREAM: StreamDialect = {
  forward: (stream, data, event) => stream.event(event ?? 'message', data),
  waiting: (stream, text) => stream.event('ping', JSON.stringify({ type: 'ping', lmq_status: text })),
  succeeded: () => {},
  failed: (stream, error) => stream.event('error', JSON.stringify(anthropicError(error.status, error.message))),
};

/** Our error bodies, whoever sent them, in Anthropic's shape (our code kept in the message). */
function reshapeErrors(scope: FastifyInstance): void {
  reshapeErrorBodies(scope, (status, error) => anthropicError(status, `${sentMessage(error)}${typeof error.code === 'string' ? ` (${error.code})` : ''}`));
}

export async function registerAnthropicRoutes(app: FastifyInstance, options: RelayOptions): Promise<void> {
  await app.register(async (scope) => {
    reshapeErrors(scope);
    registerQueuedPost(
      scope,
      { url: '/v1/messages', kind: 'messages', summary: 'Anthropic Messages, queued (streams typed events when stream: true)', tags: ['anthropic'], stream: MESSAGES_STREAM },
      options,
    );
    // LM Studio has no token counter for Messages: say so rather than queue a request it would refuse.
    scope.post('/v1/messages/count_tokens', { schema: { summary: 'Not offered (LM Studio does not count Messages tokens)', tags: ['anthropic'] } }, () => {
      throw new LmqError('not_found', 'POST /v1/messages/count_tokens is not offered: LM Studio does not count tokens for the Messages API');
    });
  });
}
