/**
 * The part of LM Studio's SDK protocol (`@lmstudio/sdk`, lmstudio-python) that LM Queue speaks:
 * a WebSocket per namespace (`/llm`, `/embedding`, `/system`, ...), a first message
 * `{authVersion: 1, clientIdentifier, clientPasskey}` answered `{success}`, then RPC calls and
 * channels framed as below. Only the "raw" serialization is used by the endpoints we answer.
 * Pure translation lives here: the SDK's chat history and prediction config to an OpenAI
 * request, and our models to the SDK's model info.
 */
import { z } from 'zod';
import type { ModelInfo, ResidentInstance } from '../../../shared/backend';
import { LmqError } from '../../../shared/errors';

export const AuthPacketSchema = z.object({
  authVersion: z.literal(1),
  clientIdentifier: z.string().max(1024),
  clientPasskey: z.string().max(1024),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('keepAlive') }),
  z.object({ type: z.literal('communicationWarning'), warning: z.string(), kind: z.string().optional() }),
  z.object({ type: z.literal('rpcCall'), endpoint: z.string(), callId: z.number().int(), parameter: z.unknown().optional() }),
  z.object({ type: z.literal('channelCreate'), endpoint: z.string(), channelId: z.number().int(), creationParameter: z.unknown().optional() }),
  z.object({ type: z.literal('channelSend'), channelId: z.number().int(), message: z.unknown().optional(), ackId: z.number().int().optional() }),
  z.object({ type: z.literal('channelAck'), channelId: z.number().int(), ackId: z.number().int() }),
  z.object({ type: z.literal('signalSubscribe'), endpoint: z.string(), subscribeId: z.number().int(), creationParameter: z.unknown().optional() }),
  z.object({ type: z.literal('signalUnsubscribe'), subscribeId: z.number().int() }),
  z.object({ type: z.literal('writableSignalSubscribe'), endpoint: z.string(), subscribeId: z.number().int(), creationParameter: z.unknown().optional() }),
  z.object({ type: z.literal('writableSignalUnsubscribe'), subscribeId: z.number().int() }),
  z.object({ type: z.literal('writableSignalUpdate'), subscribeId: z.number().int(), patches: z.array(z.unknown()), tags: z.array(z.string()) }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** LM Studio's serialized error: `title` is what the SDK shows. */
export interface SdkError {
  title: string;
  cause?: string;
  suggestion?: string;
}

export function sdkError(error: { code?: string; message: string } | string): SdkError {
  if (typeof error === 'string') return { title: error };
  return { title: error.message, ...(error.code ? { cause: error.code } : {}) };
}

const KvConfigSchema = z.object({ fields: z.array(z.object({ key: z.string(), value: z.unknown() })) });
const KvStackSchema = z.object({ layers: z.array(z.object({ layerName: z.string(), config: KvConfigSchema })) });

export const ModelSpecifierSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('query'), query: z.looseObject({ identifier: z.string().optional(), path: z.string().optional() }) }),
  z.object({ type: z.literal('instanceReference'), instanceReference: z.string() }),
]);
export type ModelSpecifier = z.infer<typeof ModelSpecifierSchema>;

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const FilePart = z.object({ type: z.literal('file'), name: z.string() }).loose();
const ToolCallRequestPart = z.object({
  type: z.literal('toolCallRequest'),
  toolCallRequest: z.object({ id: z.string().optional(), name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }).loose(),
});
const ToolCallResultPart = z.object({ type: z.literal('toolCallResult'), content: z.string(), toolCallId: z.string().optional() }).loose();
const HistorySchema = z.object({
  messages: z.array(
    z.object({
      role: z.enum(['system', 'user', 'assistant', 'tool']),
      content: z.array(z.discriminatedUnion('type', [TextPart, FilePart, ToolCallRequestPart, ToolCallResultPart])),
    }),
  ),
});

export const PredictParamsSchema = z.object({
  modelSpecifier: ModelSpecifierSchema,
  history: HistorySchema,
  predictionConfigStack: KvStackSchema,
});
export const CompleteRawTextParamsSchema = z.object({
  modelSpecifier: ModelSpecifierSchema,
  rawPrompt: z.string(),
  predictionConfigStack: KvStackSchema,
});
export const EmbedStringParamsSchema = z.object({ modelSpecifier: ModelSpecifierSchema, inputString: z.string() });
export const GetOrLoadParamsSchema = z.object({ identifier: z.string() });
export const GetModelInfoParamsSchema = z.object({ specifier: ModelSpecifierSchema, throwIfNotFound: z.boolean() });

export type Domain = 'llm' | 'embedding';

/** The SDK's chat history as OpenAI chat messages. Files (images) are not carried. */
export function openAiMessages(history: z.infer<typeof HistorySchema>): Array<Record<string, unknown>> {
  return history.messages.map((message, i) => {
    const texts: string[] = [];
    const toolCalls: Array<Record<string, unknown>> = [];
    for (const part of message.content) {
      if (part.type === 'file') throw new LmqError('bad_request', `history.messages[${i}]: files and images are not carried through LM Queue's SDK endpoint`);
      if (part.type === 'text') texts.push(part.text);
      if (part.type === 'toolCallRequest') {
        const call = part.toolCallRequest;
        toolCalls.push({ id: call.id ?? `call_${i}_${toolCalls.length}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) } });
      }
      if (part.type === 'toolCallResult') return { role: 'tool', content: part.content, ...(part.toolCallId ? { tool_call_id: part.toolCallId } : {}) };
    }
    return { role: message.role, content: texts.join(''), ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  });
}

/** The config stack collapsed: a later layer's field wins. */
export function collapseConfig(stack: z.infer<typeof KvStackSchema>): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const layer of stack.layers) for (const field of layer.config.fields) fields.set(field.key, field.value);
  return fields;
}

/** A checkbox value (`{checked, value}`) or a plain one; undefined when unchecked or absent. */
function enabled(value: unknown): unknown {
  if (value && typeof value === 'object' && 'checked' in value) {
    const box = value as { checked: unknown; value: unknown };
    return box.checked === true ? box.value : undefined;
  }
  return value;
}

const SAMPLING_FIELDS: ReadonlyArray<[string, string]> = [
  ['llm.prediction.temperature', 'temperature'],
  ['llm.prediction.maxPredictedTokens', 'max_tokens'],
  ['llm.prediction.topPSampling', 'top_p'],
  ['llm.prediction.topKSampling', 'top_k'],
  ['llm.prediction.minPSampling', 'min_p'],
  ['llm.prediction.repeatPenalty', 'repeat_penalty'],
  ['llm.prediction.llama.presencePenalty', 'presence_penalty'],
];

/** The SDK's prediction config as OpenAI request fields; tools (`.act()`) are refused. */
export function openAiSampling(config: Map<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, field] of SAMPLING_FIELDS) {
    const value = enabled(config.get(key));
    if (typeof value === 'number') body[field] = value;
  }
  const stop = config.get('llm.prediction.stopStrings');
  if (Array.isArray(stop) && stop.length > 0) body.stop = stop;
  const tools = config.get('llm.prediction.tools') as { type?: unknown } | undefined;
  if (tools && tools.type !== 'none') throw new LmqError('bad_request', "tools (.act() and rawTools) are not carried through LM Queue's SDK endpoint; use the OpenAI endpoint /v1/chat/completions with tools");
  const structured = config.get('llm.prediction.structured') as { type?: unknown; jsonSchema?: unknown } | undefined;
  if (structured?.type === 'json' && structured.jsonSchema) {
    body.response_format = { type: 'json_schema', json_schema: { name: 'structured', schema: structured.jsonSchema, strict: true } };
  } else if (structured && structured.type !== 'none') {
    throw new LmqError('bad_request', 'structured output other than a JSON schema (gbnf) is not carried through LM Queue');
  }
  return body;
}

/** Which model a specifier names: its key (our instance references are model keys). */
export function specifiedModel(specifier: ModelSpecifier): string | null {
  if (specifier.type === 'instanceReference') return specifier.instanceReference;
  return specifier.query.identifier ?? specifier.query.path ?? null;
}

/** LM Studio's model info for one of its models, as the SDK's zod schemas want it. */
export function sdkModelInfo(model: ModelInfo, resident: readonly ResidentInstance[], domain: Domain): Record<string, unknown> {
  const instance = resident.find((r) => r.model === model.id);
  const contextLength = instance?.contextLength ?? 0;
  const publisher = model.id.includes('/') ? model.id.split('/')[0] : 'lmstudio';
  return {
    type: domain,
    modelKey: model.id,
    format: 'gguf',
    displayName: model.id,
    publisher,
    path: model.id,
    sizeBytes: Math.round(model.sizeBytes ?? 0),
    indexedModelIdentifier: model.id,
    deviceIdentifier: null,
    // LM Queue owns loading: one handle per model key, whichever instance serves it.
    identifier: model.id,
    instanceReference: model.id,
    ttlMs: null,
    lastUsedTime: null,
    maxContextLength: contextLength,
    contextLength,
    ...(domain === 'llm' ? { vision: false, trainedForToolUse: false } : {}),
  };
}

/** OpenAI's finish reasons in the SDK's words. */
export function stopReason(finishReason: unknown): string {
  if (finishReason === 'length') return 'maxPredictedTokensReached';
  if (finishReason === 'tool_calls') return 'toolCalls';
  return 'eosFound';
}

/** One streamed OpenAI chunk (chat or completion) as the SDK's fragments. */
export function fragmentsOf(chunk: unknown): Array<Record<string, unknown>> {
  const choice = (chunk as { choices?: Array<{ delta?: { content?: unknown; reasoning_content?: unknown }; text?: unknown }> }).choices?.[0];
  if (!choice) return [];
  const fragment = (content: string, reasoningType: string) => ({ content, tokensCount: 1, containsDrafted: false, reasoningType, isStructural: false });
  const out: Array<Record<string, unknown>> = [];
  const reasoning = choice.delta?.reasoning_content;
  if (typeof reasoning === 'string' && reasoning.length > 0) out.push(fragment(reasoning, 'reasoning'));
  const content = choice.delta?.content ?? choice.text;
  if (typeof content === 'string' && content.length > 0) out.push(fragment(content, 'none'));
  return out;
}
