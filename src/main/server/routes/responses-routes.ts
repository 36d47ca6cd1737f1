/**
 * OpenAI's Responses API (`POST /v1/responses`, what Codex and the Agents SDK speak), queued.
 * LM Studio's typed events pass through one by one; `previous_response_id` passes through too
 * (the conversation it names lives in LM Studio).
 */
import type { FastifyInstance } from 'fastify';
import { registerQueuedPost } from './openai-routes';
import type { RelayOptions, StreamDialect } from './queued-relay';

/** Responses streams: `event:` + `data:`, our status as comments, no end marker (response.completed is the end). */
export const RESPONSES_STREAM: StreamDialect = {
  forward: (stream, data, event) => (event === undefined ? stream.data(data) : stream.event(event, data)),
  waiting: (stream, text) => stream.comment(text),
  succeeded: () => {},
  failed: (stream, error) => stream.event('error', JSON.stringify({ type: 'error', code: error.code, message: error.message, param: null })),
};

export function registerResponsesRoutes(app: FastifyInstance, options: RelayOptions): void {
  registerQueuedPost(
    app,
    { url: '/v1/responses', kind: 'responses', summary: 'OpenAI Responses, queued (streams typed events when stream: true)', tags: ['openai'], stream: RESPONSES_STREAM },
    options,
  );
}
