/**
 * The APIs whose streams carry typed events: OpenAI Responses, Anthropic Messages and LM Studio's
 * native chat. Each event is forwarded as it came; this keeps what the job needs from them: the
 * tokens as they arrive, the usage and stats, and the non-streaming body to store (Responses and
 * native chat end with it whole; a Message is put together from its blocks).
 */
import type { RunStage } from '../backend';
import type { LmStudioStats, StreamUsage } from './response-assembler';

export type TypedStreamKind = 'responses' | 'messages' | 'native-chat';

type Json = Record<string, unknown>;

export interface TypedStreamAssembler {
  /** Takes one event; returns how many generated tokens it carried, an error event's message, and a stage LM Studio reported. */
  add(event: string, payload: Json): { tokens: number; error: string | null; stage?: RunStage };
  readonly finished: boolean;
  readonly usage: StreamUsage | null;
  readonly stats: LmStudioStats | null;
  /** The non-streaming body, once finished. */
  body(): Json | null;
}

function asObject(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function messageOf(value: unknown, fallback: string): string {
  const object = asObject(value);
  return typeof object?.message === 'string' ? object.message : fallback;
}

/** Usage in the shape of any of the three APIs' bodies (and OpenAI's own). */
export function readTypedUsage(body: Json): StreamUsage | null {
  const usage = asObject(body.usage) ?? asObject(body.stats);
  if (!usage) return null;
  const prompt = asNumber(usage.input_tokens) ?? asNumber(usage.prompt_tokens);
  if (prompt === null) return null;
  return { promptTokens: prompt, completionTokens: asNumber(usage.output_tokens) ?? asNumber(usage.total_output_tokens) ?? asNumber(usage.completion_tokens) ?? 0 };
}

/** LM Studio's native stats (`time_to_first_token_seconds`). */
export function readNativeStats(value: unknown): LmStudioStats | null {
  const stats = asObject(value);
  if (!stats) return null;
  const ttft = asNumber(stats.time_to_first_token_seconds);
  return { tokensPerSecond: asNumber(stats.tokens_per_second), timeToFirstTokenMs: ttft === null ? null : ttft * 1000 };
}

export function createTypedStreamAssembler(kind: TypedStreamKind): TypedStreamAssembler {
  switch (kind) {
    case 'responses':
      return responsesAssembler();
    case 'messages':
      return messagesAssembler();
    case 'native-chat':
      return nativeChatAssembler();
  }
}

const RESPONSES_TOKEN_EVENTS = new Set(['response.output_text.delta', 'response.reasoning_text.delta', 'response.function_call_arguments.delta']);

function responsesAssembler(): TypedStreamAssembler {
  let final: Json | null = null;
  return {
    add(event, payload) {
      if (RESPONSES_TOKEN_EVENTS.has(event)) return { tokens: 1, error: null };
      if (event === 'response.completed' || event === 'response.incomplete') final = asObject(payload.response);
      if (event === 'response.failed') return { tokens: 0, error: messageOf(asObject(payload.response)?.error, 'the response failed') };
      if (event === 'error') return { tokens: 0, error: messageOf(payload, 'error event') };
      return { tokens: 0, error: null };
    },
    get finished() {
      return final !== null;
    },
    get usage() {
      return final ? readTypedUsage(final) : null;
    },
    stats: null,
    body: () => final,
  };
}

interface BlockState {
  block: Json;
  partialJson: string;
}

function messagesAssembler(): TypedStreamAssembler {
  let message: Json | null = null;
  const blocks = new Map<number, BlockState>();
  let outputTokens: number | null = null;
  let stopped = false;
  return {
    add(event, payload) {
      if (event === 'error') return { tokens: 0, error: messageOf(payload.error, 'error event') };
      const index = asNumber(payload.index) ?? 0;
      if (event === 'message_start') message = { ...(asObject(payload.message) ?? {}) };
      else if (event === 'content_block_start') blocks.set(index, { block: { ...(asObject(payload.content_block) ?? {}) }, partialJson: '' });
      else if (event === 'content_block_delta') {
        const state = blocks.get(index);
        const delta = asObject(payload.delta) ?? {};
        if (!state) return { tokens: 1, error: null };
        const append = (field: string, piece: unknown): void => {
          if (typeof piece === 'string') state.block[field] = String(state.block[field] ?? '') + piece;
        };
        if (delta.type === 'text_delta') append('text', delta.text);
        else if (delta.type === 'thinking_delta') append('thinking', delta.thinking);
        else if (delta.type === 'signature_delta') append('signature', delta.signature);
        else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') state.partialJson += delta.partial_json;
        return { tokens: 1, error: null };
      } else if (event === 'content_block_stop') {
        const state = blocks.get(index);
        if (state && state.partialJson !== '') {
          try {
            state.block.input = JSON.parse(state.partialJson) as unknown;
          } catch {
            state.block.input = state.partialJson;
          }
        }
      } else if (event === 'message_delta') {
        if (message) Object.assign(message, asObject(payload.delta) ?? {});
        outputTokens = asNumber(asObject(payload.usage)?.output_tokens) ?? outputTokens;
      } else if (event === 'message_stop') stopped = true;
      return { tokens: 0, error: null };
    },
    get finished() {
      return stopped;
    },
    get usage() {
      const input = asNumber(asObject(message?.usage)?.input_tokens);
      return input === null ? null : { promptTokens: input, completionTokens: outputTokens ?? 0 };
    },
    stats: null,
    body() {
      if (!message) return null;
      const content = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, state]) => state.block);
      const usage = { ...(asObject(message.usage) ?? {}), ...(outputTokens === null ? {} : { output_tokens: outputTokens }) };
      return { ...message, content, usage };
    },
  };
}

function nativeChatAssembler(): TypedStreamAssembler {
  let result: Json | null = null;
  return {
    add(event, payload) {
      if (event === 'message.delta' || event === 'reasoning.delta') return { tokens: 1, error: null };
      const fraction = asNumber(payload.progress);
      if (fraction !== null && (event === 'prompt_processing.progress' || event === 'model_load.progress')) {
        return { tokens: 0, error: null, stage: { name: event === 'model_load.progress' ? 'model_load' : 'prompt', fraction: Math.min(1, Math.max(0, fraction)) } };
      }
      if (event === 'chat.end') result = asObject(payload.result);
      if (event === 'error') return { tokens: 0, error: messageOf(payload.error, 'error event') };
      return { tokens: 0, error: null };
    },
    get finished() {
      return result !== null;
    },
    get usage() {
      return result ? readTypedUsage(result) : null;
    },
    get stats() {
      return result ? readNativeStats(result.stats) : null;
    },
    body: () => result,
  };
}
