/**
 * The APIs whose streams carry typed events (`event:` lines): OpenAI Responses (`/v1/responses`),
 * Anthropic Messages (`/v1/messages`) and LM Studio's native chat (`/api/v1/chat`), each with the
 * shapes LM Studio sends, streaming or not.
 */
import type { ServerResponse } from 'node:http';
import { startEventStream } from './http-io';

export type TypedEndpoint = '/v1/responses' | '/v1/messages' | '/api/v1/chat';

export interface Generated {
  id: string;
  model: string;
  promptTokens: number;
  /** Every token generated so far, in order. */
  pieces: string[];
  /** Whether the output was cut by the caller's token cap. */
  truncated: boolean;
  startedAt: number;
  firstTokenAt: number | null;
  /** Native chat: what the just-in-time load this request waited for reported. */
  load: ModelLoadReport | null;
}

/**
 * Native chat's model_load.* events: a streaming request that waits for its model's
 * just-in-time load opens its stream early and tells the load's progress (LM Studio sends
 * chat.start first, then model_load.start, progress, end; none when the model was loaded).
 */
export class ModelLoadReport {
  private startedAt: number | null = null;
  private endedAt: number | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly model: string,
    private readonly stream: boolean,
  ) {}

  /** Whether the stream is open and chat.start sent. */
  get opened(): boolean {
    return this.startedAt !== null && this.stream;
  }

  /** Seconds the load took, or null when the request did not wait for one. */
  get seconds(): number | null {
    return this.startedAt === null || this.endedAt === null ? null : (this.endedAt - this.startedAt) / 1000;
  }

  readonly onProgress = (fraction: number): void => {
    if (this.endedAt !== null) return;
    const emit = (event: string, data: Record<string, unknown> = {}): void => {
      if (this.stream) writeTypedEvent(this.res, event, { model_instance_id: this.model, ...data });
    };
    if (this.startedAt === null) {
      this.startedAt = Date.now();
      if (this.stream) startEventStream(this.res);
      emit('chat.start');
      emit('model_load.start');
    }
    emit('model_load.progress', { progress: fraction });
    if (fraction >= 1) {
      this.endedAt = Date.now();
      emit('model_load.end', { load_time_seconds: (this.endedAt - this.startedAt) / 1000 });
    }
  };
}

/** Writes one named SSE event. */
export function writeTypedEvent(res: ServerResponse, event: string, data: Record<string, unknown>): void {
  if (res.destroyed || res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

/** The text of a prompt in any of the three shapes (strings, content blocks, input items). */
export function typedPromptText(endpoint: TypedEndpoint, body: Record<string, unknown>): string {
  const system = endpoint === '/v1/responses' ? body.instructions : endpoint === '/v1/messages' ? body.system : body.system_prompt;
  const turns = endpoint === '/v1/messages' ? body.messages : body.input;
  return [textOf(system), textOf(turns)].filter((part) => part !== '').join('\n');
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).filter((part) => part !== '').join('\n');
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.text === 'string') return record.text;
    if ('content' in record) return textOf(record.content);
  }
  return '';
}

export function typedMaxTokens(endpoint: TypedEndpoint, body: Record<string, unknown>): number | null {
  const value = endpoint === '/v1/messages' ? body.max_tokens : body.max_output_tokens;
  return typeof value === 'number' && value >= 0 ? Math.floor(value) : null;
}

/** How each API's stream opens, carries one token, and ends; and its non-streaming body. */
export interface TypedStreamWriter {
  start(): void;
  token(piece: string): void;
  finish(): void;
  body(): Record<string, unknown>;
}

export function typedStreamWriter(endpoint: TypedEndpoint, res: ServerResponse, g: Generated, body: Record<string, unknown>, stream: boolean): TypedStreamWriter {
  switch (endpoint) {
    case '/v1/responses':
      return responsesWriter(res, g, body, stream);
    case '/v1/messages':
      return messagesWriter(res, g, stream);
    case '/api/v1/chat':
      return nativeChatWriter(res, g, body, stream);
  }
}

function responsesWriter(res: ServerResponse, g: Generated, body: Record<string, unknown>, stream: boolean): TypedStreamWriter {
  let sequence = 0;
  const itemId = `msg_${g.id}`;
  const emit = (event: string, data: Record<string, unknown>): void => {
    if (stream) writeTypedEvent(res, event, { sequence_number: sequence++, ...data });
  };
  const createdAt = Math.floor(Date.now() / 1000);
  const text = (): string => g.pieces.join('');
  const item = (status: 'in_progress' | 'completed'): Record<string, unknown> => ({
    id: itemId,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text: text(), annotations: [] }] : [],
  });
  const response = (status: 'in_progress' | 'completed' | 'incomplete'): Record<string, unknown> => ({
    id: `resp_${g.id}`,
    object: 'response',
    created_at: createdAt,
    status,
    model: g.model,
    output: status === 'in_progress' ? [] : [item('completed')],
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    error: null,
    usage:
      status === 'in_progress'
        ? null
        : {
            input_tokens: g.promptTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: g.pieces.length,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: g.promptTokens + g.pieces.length,
          },
  });
  const part = { item_id: itemId, output_index: 0, content_index: 0 };
  return {
    start() {
      emit('response.created', { response: response('in_progress') });
      emit('response.in_progress', { response: response('in_progress') });
      emit('response.output_item.added', { output_index: 0, item: item('in_progress') });
      emit('response.content_part.added', { ...part, part: { type: 'output_text', text: '', annotations: [] } });
    },
    token(piece) {
      emit('response.output_text.delta', { ...part, delta: piece, logprobs: [] });
    },
    finish() {
      emit('response.output_text.done', { ...part, text: text(), logprobs: [] });
      emit('response.content_part.done', { ...part, part: { type: 'output_text', text: text(), annotations: [] } });
      emit('response.output_item.done', { output_index: 0, item: item('completed') });
      emit(g.truncated ? 'response.incomplete' : 'response.completed', { response: response(g.truncated ? 'incomplete' : 'completed') });
    },
    body: () => response(g.truncated ? 'incomplete' : 'completed'),
  };
}

function messagesWriter(res: ServerResponse, g: Generated, stream: boolean): TypedStreamWriter {
  const emit = (event: string, data: Record<string, unknown> = {}): void => {
    if (stream) writeTypedEvent(res, event, data);
  };
  const message = (done: boolean): Record<string, unknown> => ({
    id: `msg_${g.id}`,
    type: 'message',
    role: 'assistant',
    model: g.model,
    content: done ? [{ type: 'text', text: g.pieces.join('') }] : [],
    stop_reason: done ? (g.truncated ? 'max_tokens' : 'end_turn') : null,
    stop_sequence: null,
    usage: { input_tokens: g.promptTokens, output_tokens: done ? g.pieces.length : 1 },
  });
  return {
    start() {
      emit('message_start', { message: message(false) });
      emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      emit('ping');
    },
    token(piece) {
      emit('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
    },
    finish() {
      emit('content_block_stop', { index: 0 });
      emit('message_delta', { delta: { stop_reason: g.truncated ? 'max_tokens' : 'end_turn', stop_sequence: null }, usage: { output_tokens: g.pieces.length } });
      emit('message_stop');
    },
    body: () => message(true),
  };
}

function nativeChatWriter(res: ServerResponse, g: Generated, body: Record<string, unknown>, stream: boolean): TypedStreamWriter {
  const emit = (event: string, data: Record<string, unknown> = {}): void => {
    if (stream) writeTypedEvent(res, event, data);
  };
  const result = (): Record<string, unknown> => {
    const finishedAt = Date.now();
    const firstTokenAt = g.firstTokenAt ?? finishedAt;
    const generationSeconds = Math.max(0.001, (finishedAt - firstTokenAt) / 1000);
    return {
      model_instance_id: g.model,
      output: [{ type: 'message', content: g.pieces.join('') }],
      stats: {
        input_tokens: g.promptTokens,
        total_output_tokens: g.pieces.length,
        reasoning_output_tokens: 0,
        tokens_per_second: g.pieces.length / generationSeconds,
        time_to_first_token_seconds: (firstTokenAt - g.startedAt) / 1000,
        ...(g.load?.seconds != null ? { model_load_time_seconds: g.load.seconds } : {}),
      },
      // LM Studio stores chats unless told not to; the id continues the conversation.
      ...(body.store === false ? {} : { response_id: `resp_${g.id}` }),
    };
  };
  let started = false;
  return {
    start() {
      if (!g.load?.opened) emit('chat.start', { model_instance_id: g.model });
      emit('prompt_processing.start');
      emit('prompt_processing.progress', { progress: 0.5 });
      emit('prompt_processing.progress', { progress: 1 });
      emit('prompt_processing.end');
    },
    token(piece) {
      if (!started) emit('message.start');
      started = true;
      emit('message.delta', { content: piece });
    },
    finish() {
      if (started) emit('message.end');
      emit('chat.end', { result: result() });
    },
    body: result,
  };
}
