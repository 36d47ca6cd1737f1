/**
 * The inference endpoints: OpenAI-compatible chat, completions (both streaming or not) and
 * embeddings, their REST v0 twins, and the typed-event APIs (Responses, Messages, native chat).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestFaults } from './fault-injector';
import { clientGoneSignal, errorBody, sendJson, startEventStream, writeEvent } from './http-io';
import { SimAbortError, sleepReal } from './abortable';
import { InsufficientMemoryError, type Slot } from './model-host';
import type { RequestRecord } from './sim-record';
import { findModel, unknownModelMessage, type SimContext } from './sim-context';
import { createRandom, embeddingVector, estimateTokens, generateTokens, hashText, pickOutputLength } from './text-generator';
import { ModelLoadReport, typedMaxTokens, typedPromptText, typedStreamWriter, type TypedEndpoint } from './typed-event-apis';

type OpenAiEndpoint = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings';
type RestV0Endpoint = '/api/v0/chat/completions' | '/api/v0/completions' | '/api/v0/embeddings';
export type InferenceEndpoint = OpenAiEndpoint | RestV0Endpoint | TypedEndpoint;

export const INFERENCE_ENDPOINTS: readonly InferenceEndpoint[] = [
  '/v1/chat/completions', '/v1/completions', '/v1/embeddings',
  '/api/v0/chat/completions', '/api/v0/completions', '/api/v0/embeddings',
  '/v1/responses', '/v1/messages', '/api/v1/chat',
];

const TYPED: ReadonlySet<string> = new Set<TypedEndpoint>(['/v1/responses', '/v1/messages', '/api/v1/chat']);

function isTyped(endpoint: InferenceEndpoint): endpoint is TypedEndpoint {
  return TYPED.has(endpoint);
}

/** REST v0 answers as the OpenAI endpoint of the same name does (plus its stats). */
function openAiTwin(endpoint: OpenAiEndpoint | RestV0Endpoint): OpenAiEndpoint {
  return endpoint.replace('/api/v0/', '/v1/') as OpenAiEndpoint;
}

interface Admitted {
  model: string;
  record: RequestRecord;
  faults: RequestFaults;
  promptText: string;
  gone: AbortSignal;
}

interface ToolCallPlan {
  id: string;
  name: string;
  pieces: string[];
}

const FOREVER_MS = 2 ** 31 - 1;

const CUT_OFF_CAUSE: Record<NonNullable<RequestRecord['cutOffReason']>, string> = {
  unload: 'it was unloaded through the API',
  'jit-evict': 'another model was loaded just in time',
  'memory-evict': 'another model needed the memory',
};

export async function handleInference(
  ctx: SimContext,
  endpoint: InferenceEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
): Promise<void> {
  const admitted = admit(ctx, endpoint, req, res, body);
  if (!admitted) return;
  const { record, gone } = admitted;
  let slot: Slot | null = null;
  const load = endpoint === '/api/v1/chat' ? new ModelLoadReport(res, admitted.model, record.stream) : null;
  try {
    slot = await ctx.host.acquire(admitted.model, record, gone, load?.onProgress);
    record.startedAt = Date.now();
    if (isTyped(endpoint)) await serveTypedGeneration(ctx, endpoint, admitted, slot, res, body, load);
    else if (openAiTwin(endpoint) === '/v1/embeddings') await serveEmbeddings(ctx, admitted, slot, res, body);
    else await serveGeneration(ctx, openAiTwin(endpoint) as '/v1/chat/completions' | '/v1/completions', admitted, slot, res, body);
  } catch (error) {
    if (error instanceof InsufficientMemoryError) {
      record.status = 400;
      record.error = error.message;
      sendJson(res, 400, errorBody(error.message, { code: 'insufficient_memory' }));
      return;
    }
    if (!(error instanceof SimAbortError)) throw error;
    if (gone.aborted) {
      record.aborted = true;
    } else if (slot?.evicted.aborted) {
      const message = `Model "${admitted.model}" was unloaded while this request was generating (${CUT_OFF_CAUSE[record.cutOffReason ?? 'unload']}).`;
      record.error = message;
      if (res.headersSent) {
        writeEvent(res, { error: { message, type: 'server_error' } });
        res.end();
      } else {
        record.status = 500;
        sendJson(res, 500, errorBody(message, { type: 'server_error' }));
      }
    } else {
      throw error;
    }
  } finally {
    if (slot) ctx.host.release(slot);
    record.finishedAt ??= Date.now();
  }
}

/** Validates and applies arrival-time faults; answers and returns null when the request ends here. */
function admit(
  ctx: SimContext,
  endpoint: InferenceEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
): Admitted | null {
  const requested = typeof body.model === 'string' && body.model !== '' ? body.model : ctx.host.loadedModel;
  const twin = isTyped(endpoint) ? null : openAiTwin(endpoint);
  const promptText = twin === null ? typedPromptText(endpoint as TypedEndpoint, body) : twin === '/v1/chat/completions' ? chatPromptText(body) : inputText(body, twin);
  const record = ctx.recorder.addRequest({
    id: ctx.nextId(twin === null ? 'gen' : twin === '/v1/chat/completions' ? 'chatcmpl' : twin === '/v1/completions' ? 'cmpl' : 'emb'),
    clientRequestId: headerValue(req, 'x-request-id'),
    model: requested ?? '',
    endpoint,
    stream: body.stream === true && twin !== '/v1/embeddings',
    promptTokens: twin === null ? estimateTokens(promptText) : promptTokensOf(body, twin, promptText),
  });
  const reject = (status: number, message: string, payload: unknown = errorBody(message)): null => {
    record.status = status;
    record.error = message;
    record.finishedAt = Date.now();
    sendJson(res, status, payload);
    return null;
  };

  if (requested === null) {
    return reject(400, 'No models loaded. Please load a model in the developer page or use the `lms load` command.');
  }
  const model = findModel(ctx, requested);
  if (!model) return reject(400, unknownModelMessage(ctx, requested), errorBody(unknownModelMessage(ctx, requested), { param: 'model', code: 'model_not_found' }));
  if ((twin === '/v1/embeddings') !== (model.type === 'embedding')) {
    const what = model.type === 'embedding' ? 'an embedding model' : 'not an embedding model';
    return reject(400, `Model "${requested}" is ${what} and cannot serve ${endpoint}.`);
  }

  const faults = ctx.faults.next();
  if (faults.fail500) return reject(500, 'Simulated internal server error.', errorBody('Simulated internal server error.', { type: 'server_error' }));
  if (faults.modelLoading) {
    const message = `Model "${requested}" is still loading. Please try again in a moment.`;
    return reject(503, message, errorBody(message, { type: 'server_error' }));
  }
  if (faults.errorIn200) {
    // LM Studio answers some failures with HTTP 200 and a bare string `error`.
    const message = 'The model has crashed without additional information. (Exit code: null)';
    return reject(200, message, { error: message });
  }
  const longest = twin === null ? record.promptTokens : longestSequenceTokens(body, twin, promptText);
  if (longest > ctx.options.contextLength) {
    return reject(
      400,
      `Trying to keep the first ${longest} tokens when context the overflows. However, the model is loaded ` +
        `with context length of only ${ctx.options.contextLength} tokens, which is not enough. Try to load the model ` +
        'with a larger context length, or provide a shorter input',
    );
  }
  return { model: requested, record, faults, promptText, gone: clientGoneSignal(res) };
}

async function serveGeneration(
  ctx: SimContext,
  endpoint: '/v1/chat/completions' | '/v1/completions',
  admitted: Admitted,
  slot: Slot,
  res: ServerResponse,
  body: Record<string, unknown>,
): Promise<void> {
  const { record, model, gone } = admitted;
  const isChat = endpoint === '/v1/chat/completions';
  const maxTokens = readMaxTokens(body);
  const random = createRandom(hashText(`${model}\n${maxTokens}\n${admitted.promptText}`, ctx.options.seed));
  const { count, truncated } = pickOutputLength(random, { min: ctx.options.minOutputTokens, max: ctx.options.maxOutputTokens }, maxTokens);
  const tokens = generateTokens(random, count);
  const toolCall = isChat ? planToolCall(body, tokens, record.id) : null;
  const pieces = toolCall ? toolCall.pieces : tokens;
  const finishReason = toolCall ? 'tool_calls' : truncated ? 'length' : 'stop';
  const created = Math.floor(Date.now() / 1000);
  const base = { id: record.id, object: isChat ? 'chat.completion.chunk' : 'text_completion', created, model, system_fingerprint: model };

  if (record.stream) startEventStream(res);
  await ctx.host.sleep((record.promptTokens / ctx.options.promptTokensPerSecond) * 1000, gone, slot.evicted);
  if (admitted.faults.slowFirstTokenMs > 0) await sleepReal(admitted.faults.slowFirstTokenMs, gone, slot.evicted);

  await generate(ctx, pieces.length, admitted.faults, [gone, slot.evicted], (index) => {
    record.firstTokenAt ??= Date.now();
    record.completionTokens = index + 1;
    if (!record.stream) return;
    const piece = pieces[index] ?? '';
    const choice = isChat
      ? { index: 0, delta: chatDelta(piece, index, toolCall), logprobs: null, finish_reason: null }
      : { index: 0, text: piece, logprobs: null, finish_reason: null };
    writeEvent(res, { ...base, choices: [choice] });
  });

  const finishedAt = Date.now();
  const usage = { prompt_tokens: record.promptTokens, completion_tokens: pieces.length, total_tokens: record.promptTokens + pieces.length };
  if (record.stream) {
    const last = isChat ? { index: 0, delta: {}, logprobs: null, finish_reason: finishReason } : { index: 0, text: '', logprobs: null, finish_reason: finishReason };
    writeEvent(res, { ...base, choices: [last] });
    const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
    if (streamOptions?.include_usage === true) writeEvent(res, { ...base, choices: [], usage });
    writeEvent(res, '[DONE]');
    res.end();
  } else {
    const text = tokens.join('');
    const choice = isChat
      ? { index: 0, logprobs: null, finish_reason: finishReason, message: chatMessage(text, toolCall) }
      : { index: 0, text, logprobs: null, finish_reason: finishReason };
    sendJson(res, 200, {
      ...base,
      object: isChat ? 'chat.completion' : 'text_completion',
      choices: [choice],
      usage,
      stats: generationStats(record, pieces.length, finishedAt, toolCall ? 'toolCalls' : truncated ? 'maxPredictedTokensReached' : 'eosFound'),
    });
  }
  record.finishedAt = finishedAt;
}

/**
 * Emits `count` tokens at the per-request speed the host allows right now (it changes as slots
 * fill and empty). Ticks batch several tokens when the scaled speed outruns the timer resolution.
 */
async function generate(
  ctx: SimContext,
  count: number,
  faults: RequestFaults,
  signals: AbortSignal[],
  emit: (index: number) => void,
): Promise<void> {
  let produced = 0;
  let owed = 0;
  let last = performance.now();
  let stalled = false;
  while (produced < count) {
    if (faults.stall && !stalled && produced >= faults.stall.afterTokens) {
      stalled = true;
      await sleepReal(Math.min(faults.stall.ms, FOREVER_MS), ...signals);
      last = performance.now();
    }
    const realRate = ctx.host.perRequestTokensPerSecond() / ctx.options.timeScale;
    await sleepReal(Math.min(50, Math.max(2, 1000 / realRate)), ...signals);
    const now = performance.now();
    owed += ((now - last) / 1000) * realRate;
    last = now;
    let batch = Math.min(Math.floor(owed), count - produced);
    if (faults.stall && !stalled) batch = Math.min(batch, Math.max(0, faults.stall.afterTokens - produced));
    owed -= batch;
    for (let i = 0; i < batch; i++) emit(produced++);
  }
}

/** Responses, Messages and native chat: the same generation, told in each API's own events. */
async function serveTypedGeneration(
  ctx: SimContext,
  endpoint: TypedEndpoint,
  admitted: Admitted,
  slot: Slot,
  res: ServerResponse,
  body: Record<string, unknown>,
  load: ModelLoadReport | null,
): Promise<void> {
  const { record, model, gone } = admitted;
  const maxTokens = typedMaxTokens(endpoint, body);
  const random = createRandom(hashText(`${model}\n${maxTokens}\n${admitted.promptText}`, ctx.options.seed));
  const { count, truncated } = pickOutputLength(random, { min: ctx.options.minOutputTokens, max: ctx.options.maxOutputTokens }, maxTokens);
  const tokens = generateTokens(random, count);
  const generated = { id: record.id, model, promptTokens: record.promptTokens, pieces: [] as string[], truncated, startedAt: record.startedAt ?? Date.now(), firstTokenAt: null as number | null, load };
  const writer = typedStreamWriter(endpoint, res, generated, body, record.stream);
  if (record.stream) {
    if (!load?.opened) startEventStream(res);
    writer.start();
  }
  await ctx.host.sleep((record.promptTokens / ctx.options.promptTokensPerSecond) * 1000, gone, slot.evicted);
  if (admitted.faults.slowFirstTokenMs > 0) await sleepReal(admitted.faults.slowFirstTokenMs, gone, slot.evicted);
  await generate(ctx, tokens.length, admitted.faults, [gone, slot.evicted], (index) => {
    record.firstTokenAt ??= Date.now();
    generated.firstTokenAt ??= record.firstTokenAt;
    record.completionTokens = index + 1;
    const piece = tokens[index] ?? '';
    generated.pieces.push(piece);
    writer.token(piece);
  });
  if (record.stream) {
    writer.finish();
    res.end();
  } else {
    sendJson(res, 200, writer.body());
  }
  record.finishedAt = Date.now();
}

async function serveEmbeddings(
  ctx: SimContext,
  admitted: Admitted,
  slot: Slot,
  res: ServerResponse,
  body: Record<string, unknown>,
): Promise<void> {
  const { record, gone } = admitted;
  const inputs = Array.isArray(body.input) ? body.input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [String(body.input ?? '')];
  await ctx.host.sleep((record.promptTokens / ctx.options.promptTokensPerSecond) * 1000, gone, slot.evicted);
  if (admitted.faults.stall) await sleepReal(Math.min(admitted.faults.stall.ms, FOREVER_MS), gone, slot.evicted);
  record.firstTokenAt = Date.now();
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = embeddingVector(text, ctx.options.seed, ctx.options.embeddingDimensions);
      // The OpenAI SDK asks for base64 (little-endian float32) by default.
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', embedding, index };
    }),
    model: admitted.model,
    usage: { prompt_tokens: record.promptTokens, total_tokens: record.promptTokens },
  });
  record.finishedAt = Date.now();
}

function generationStats(record: RequestRecord, completionTokens: number, finishedAt: number, stopReason: string): unknown {
  const startedAt = record.startedAt ?? record.arrivedAt;
  const firstTokenAt = record.firstTokenAt ?? finishedAt;
  const generationSeconds = Math.max(0.001, (finishedAt - firstTokenAt) / 1000);
  return {
    tokens_per_second: completionTokens / generationSeconds,
    time_to_first_token: (firstTokenAt - startedAt) / 1000,
    generation_time: generationSeconds,
    stop_reason: stopReason,
  };
}

function chatDelta(piece: string, index: number, toolCall: ToolCallPlan | null): Record<string, unknown> {
  if (!toolCall) return index === 0 ? { role: 'assistant', content: piece } : { content: piece };
  if (index === 0) {
    return { role: 'assistant', tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: piece } }] };
  }
  return { tool_calls: [{ index: 0, function: { arguments: piece } }] };
}

function chatMessage(text: string, toolCall: ToolCallPlan | null): Record<string, unknown> {
  if (!toolCall) return { role: 'assistant', content: text };
  const args = toolCall.pieces.join('');
  return { role: 'assistant', content: null, tool_calls: [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: args } }] };
}

/** With tools offered (and not refused), the simulated model calls the first one with generated text. */
function planToolCall(body: Record<string, unknown>, tokens: string[], requestId: string): ToolCallPlan | null {
  if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tool_choice === 'none' || tokens.length === 0) return null;
  const first = body.tools[0] as { function?: { name?: unknown } } | undefined;
  const name = typeof first?.function?.name === 'string' ? first.function.name : 'tool';
  const args = JSON.stringify({ text: tokens.join('') });
  const size = Math.ceil(args.length / tokens.length);
  const pieces = tokens.map((_, i) => args.slice(i * size, (i + 1) * size));
  return { id: `call_${requestId}`, name, pieces };
}

function readMaxTokens(body: Record<string, unknown>): number | null {
  const value = body.max_tokens ?? body.max_completion_tokens;
  // LM Studio treats -1 as "no limit".
  return typeof value === 'number' && value >= 0 ? Math.floor(value) : null;
}

function chatPromptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const parts = messages.map((m) => {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) return content.map((p) => ((p as { text?: unknown }).text as string | undefined) ?? '').join('');
    return '';
  });
  const tools = Array.isArray(body.tools) ? JSON.stringify(body.tools) : '';
  return parts.join('\n') + tools;
}

function inputText(body: Record<string, unknown>, endpoint: OpenAiEndpoint): string {
  const value = endpoint === '/v1/completions' ? body.prompt : body.input;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  return '';
}

/** Each input of a batch is tokenized on its own, so each costs at least one token. */
function promptTokensOf(body: Record<string, unknown>, endpoint: OpenAiEndpoint, promptText: string): number {
  const batch = endpoint === '/v1/completions' ? body.prompt : endpoint === '/v1/embeddings' ? body.input : null;
  if (!Array.isArray(batch)) return estimateTokens(promptText);
  return batch.reduce((sum: number, x: unknown) => sum + estimateTokens(typeof x === 'string' ? x : JSON.stringify(x)), 0);
}

/** Each input of a list (embeddings, or a completions prompt list) is its own sequence in the context. */
function longestSequenceTokens(body: Record<string, unknown>, endpoint: OpenAiEndpoint, promptText: string): number {
  const batch = endpoint === '/v1/completions' ? body.prompt : endpoint === '/v1/embeddings' ? body.input : null;
  if (!Array.isArray(batch)) return estimateTokens(promptText);
  return batch.reduce((most: number, x: unknown) => Math.max(most, estimateTokens(typeof x === 'string' ? x : JSON.stringify(x))), 0);
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}
