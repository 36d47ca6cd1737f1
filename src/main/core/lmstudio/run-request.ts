/**
 * One inference request to LM Studio. Chat and completion requests are always streamed from
 * LM Studio, so progress is visible as tokens arrive and a stalled stream can be cut; the caller
 * still gets the ordinary non-streaming body at the end.
 */
import { createParser } from 'eventsource-parser';
import type { IncomingMessage } from 'node:http';
import type { RequestKind, Usage } from '../../../shared/job';
import type { BackendRequest, RunCallbacks, RunOutcome, RunStats } from '../backend';
import { BackendError } from './errors';
import { errorFromResponse, extractErrorMessage, type FailureContext } from './failure-classifier';
import { readBody, readText, type HttpTransport } from './http-transport';
import { startWatchdog, type RequestTimeouts, type Watchdog } from './request-watchdog';
import { createStreamAssembler, readStats, readUsage, type LmStudioStats, type StreamKind, type StreamUsage } from './response-assembler';
import { createTypedStreamAssembler, readNativeStats, readTypedUsage, type TypedStreamKind } from './typed-stream-assembler';

export interface RunContext {
  baseUrl: string;
  http: HttpTransport;
  timeouts: RequestTimeouts;
  /** Aborts every request (the client is closing). */
  closing: AbortSignal;
  /** Sent with every request (LM Studio's API token). */
  headers: Record<string, string>;
}

const ENDPOINTS: Record<RequestKind, string> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
  embedding: '/v1/embeddings',
  responses: '/v1/responses',
  messages: '/v1/messages',
  'native-chat': '/api/v1/chat',
  'v0-chat': '/api/v0/chat/completions',
  'v0-completion': '/api/v0/completions',
  'v0-embedding': '/api/v0/embeddings',
};

const OPERATION_NAMES: Record<RequestKind, string> = {
  chat: 'chat request',
  completion: 'completion request',
  embedding: 'embedding request',
  responses: 'Responses request',
  messages: 'Messages request',
  'native-chat': 'native chat request',
  'v0-chat': 'REST v0 chat request',
  'v0-completion': 'REST v0 completion request',
  'v0-embedding': 'REST v0 embedding request',
};

/** How LM Studio's stream for each kind is read: OpenAI chunks, typed events, or no stream at all. */
const STREAM_FORMATS: Record<RequestKind, StreamKind | TypedStreamKind | null> = {
  chat: 'chat',
  completion: 'completion',
  embedding: null,
  responses: 'responses',
  messages: 'messages',
  'native-chat': 'native-chat',
  'v0-chat': 'chat',
  'v0-completion': 'completion',
  'v0-embedding': null,
};

/** REST v0's whole answer carries stats, model_info and runtime, which chunks do not rebuild: streamed only when the caller streams. */
const STREAMED_ONLY_FOR_STREAMING_CALLERS: ReadonlySet<RequestKind> = new Set(['v0-chat', 'v0-completion']);

function isTypedStream(format: StreamKind | TypedStreamKind): format is TypedStreamKind {
  return format !== 'chat' && format !== 'completion';
}

export async function runRequest(ctx: RunContext, request: BackendRequest, callbacks: RunCallbacks): Promise<RunOutcome> {
  const failure: FailureContext = { url: ctx.baseUrl, operation: `${OPERATION_NAMES[request.kind]} for model "${request.model}"` };
  const streamKind = STREAMED_ONLY_FOR_STREAMING_CALLERS.has(request.kind) && request.body.stream !== true ? null : STREAM_FORMATS[request.kind];
  const watchdog = startWatchdog(ctx.timeouts, [callbacks.signal, ctx.closing], failure);
  const startedAt = performance.now();
  let response: IncomingMessage | null = null;
  try {
    response = await ctx.http.send(ENDPOINTS[request.kind], {
      method: 'POST',
      headers: {
        ...ctx.headers,
        'content-type': 'application/json',
        accept: streamKind ? 'text/event-stream' : 'application/json',
        // Lets LM Studio logs (and the simulator's record) be matched to our jobs.
        'x-request-id': request.jobId,
      },
      body: JSON.stringify(outgoingBody(request, streamKind !== null)),
      signal: watchdog.signal,
    });
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw errorFromResponse(status, await readPayload(response), failure);
    const isEventStream = (response.headers['content-type'] ?? '').includes('text/event-stream');
    if (streamKind && isEventStream) {
      return isTypedStream(streamKind)
        ? await consumeTypedStream(response, streamKind, request, callbacks, watchdog, failure, startedAt)
        : await consumeStream(response, streamKind, request, callbacks, watchdog, failure, startedAt);
    }

    // Embeddings, or an answer that is not a stream (LM Studio's HTTP-200-with-error comes this way).
    const payload = await readPayload(response);
    watchdog.progress();
    if (extractErrorMessage(payload) !== null) throw errorFromResponse(status, payload, failure);
    if (typeof payload !== 'object' || payload === null) {
      throw new BackendError('protocol', `LM Studio at ${ctx.baseUrl} sent a body that is not JSON to the ${failure.operation}`);
    }
    return outcomeFromBody(payload as Record<string, unknown>, request, startedAt);
  } catch (error) {
    // Whatever is left of a failed answer is of no use; an answer read to its end keeps its socket.
    response?.destroy();
    throw watchdog.failure(error);
  } finally {
    watchdog.dispose();
  }
}

/** The caller's body, pointed at the model, streaming (with usage, for OpenAI chunks) where we stream. */
function outgoingBody(request: BackendRequest, stream: boolean): Record<string, unknown> {
  if (!stream) return { ...request.body, model: request.model };
  // Typed-event streams report usage in their last events without being asked.
  const format = STREAM_FORMATS[request.kind];
  if (format !== null && isTypedStream(format)) return { ...request.body, model: request.model, stream: true };
  const streamOptions = typeof request.body.stream_options === 'object' && request.body.stream_options !== null ? request.body.stream_options : {};
  return { ...request.body, model: request.model, stream: true, stream_options: { ...streamOptions, include_usage: true } };
}

async function consumeStream(
  response: IncomingMessage,
  kind: StreamKind,
  request: BackendRequest,
  callbacks: RunCallbacks,
  watchdog: Watchdog,
  failure: FailureContext,
  startedAt: number,
): Promise<RunOutcome> {
  const assembler = createStreamAssembler(kind);
  // We add include_usage for ourselves; a caller that did not ask for the usage-only chunk
  // (empty `choices`) may not cope with it, so it is forwarded only when asked for.
  const callerWantsUsage = (request.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const tally = new TokenTally(startedAt);
  let sawDone = false;
  let streamError: BackendError | null = null;

  const parser = createParser({
    onEvent(event) {
      if (sawDone || streamError) return;
      watchdog.progress();
      if (event.data === '[DONE]') {
        sawDone = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        streamError = new BackendError('protocol', `LM Studio at ${failure.url} sent a stream chunk that is not JSON during the ${failure.operation}`);
        return;
      }
      if (extractErrorMessage(chunk) !== null) {
        streamError = errorFromResponse(200, chunk, failure);
        return;
      }
      const usageOnly = Array.isArray((chunk as { choices?: unknown }).choices) && (chunk as { choices: unknown[] }).choices.length === 0;
      if (!usageOnly || callerWantsUsage) callbacks.onChunk?.(event.data);
      const added = assembler.add(chunk);
      tally.add(added, callbacks.onTokens);
    },
  });

  // Each chunk goes to the parser (and so to the caller) as it arrives; after [DONE] nothing more is needed.
  await readBody(response, (text) => {
    parser.feed(text);
    if (streamError) throw streamError;
    return !sawDone;
  });
  if (!sawDone && !assembler.finished) {
    throw new BackendError('server_error', `LM Studio at ${failure.url} ended the stream before it was complete during the ${failure.operation}`);
  }

  const usage: StreamUsage = assembler.usage ?? { promptTokens: estimatePromptTokens(request.body), completionTokens: tally.tokens };
  const stats = tally.stats(usage, assembler.stats);
  return { body: assembler.body(usage), usage: toUsage(stats), stats };
}

/**
 * Typed events (Responses, Messages, native chat), each forwarded with its `event:` name as it
 * arrives; the stream ends with the API's own last event, so there is no [DONE] to wait for.
 */
async function consumeTypedStream(
  response: IncomingMessage,
  kind: TypedStreamKind,
  request: BackendRequest,
  callbacks: RunCallbacks,
  watchdog: Watchdog,
  failure: FailureContext,
  startedAt: number,
): Promise<RunOutcome> {
  const assembler = createTypedStreamAssembler(kind);
  const tally = new TokenTally(startedAt);
  let streamError: BackendError | null = null;
  const parser = createParser({
    onEvent(event) {
      if (streamError || assembler.finished) return;
      watchdog.progress();
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        streamError = new BackendError('protocol', `LM Studio at ${failure.url} sent a stream event that is not JSON during the ${failure.operation}`);
        return;
      }
      const object = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
      const name = event.event ?? (typeof object.type === 'string' ? object.type : 'message');
      const { tokens: added, error, stage } = assembler.add(name, object);
      if (error !== null) {
        streamError = errorFromResponse(200, { error: { message: error } }, failure);
        return;
      }
      callbacks.onChunk?.(event.data, name);
      if (stage) callbacks.onStage?.(stage);
      tally.add(added, callbacks.onTokens);
    },
  });
  await readBody(response, (text) => {
    parser.feed(text);
    if (streamError) throw streamError;
    return !assembler.finished;
  });
  const body = assembler.body();
  if (!assembler.finished || body === null) {
    throw new BackendError('server_error', `LM Studio at ${failure.url} ended the stream before it was complete during the ${failure.operation}`);
  }
  const usage = assembler.usage ?? { promptTokens: estimatePromptTokens(request.body), completionTokens: tally.tokens };
  const stats = tally.stats(usage, assembler.stats);
  return { body, usage: toUsage(stats), stats };
}

/** A complete JSON answer (embeddings, or a server that ignored `stream`). */
function outcomeFromBody(body: Record<string, unknown>, request: BackendRequest, startedAt: number): RunOutcome {
  const usage = readUsage(body.usage) ?? readTypedUsage(body) ?? { promptTokens: estimatePromptTokens(request.body), completionTokens: 0 };
  const reported = request.kind === 'native-chat' ? readNativeStats(body.stats) : readStats(body.stats);
  const stats: RunStats = {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    tokensPerSecond: reported?.tokensPerSecond ?? null,
    timeToFirstTokenMs: reported?.timeToFirstTokenMs ?? null,
    durationMs: performance.now() - startedAt,
  };
  return { body, usage: toUsage(stats), stats };
}

function toUsage(stats: RunStats): Usage {
  return {
    promptTokens: stats.promptTokens,
    completionTokens: stats.completionTokens,
    totalTokens: stats.promptTokens + stats.completionTokens,
    tokensPerSecond: stats.tokensPerSecond,
    timeToFirstTokenMs: stats.timeToFirstTokenMs,
  };
}

/** A stream's tokens as they come, and when the first and last came: its speed where LM Studio reports none. */
class TokenTally {
  tokens = 0;
  private firstAt: number | null = null;
  private lastAt: number | null = null;

  constructor(private readonly startedAt: number) {}

  add(tokens: number, onTokens?: (total: number) => void): void {
    if (tokens <= 0) return;
    const now = performance.now();
    this.firstAt ??= now;
    this.lastAt = now;
    this.tokens += tokens;
    onTokens?.(this.tokens);
  }

  /** LM Studio's own figures when it sent them; else speed between the first and last token (the first also paid for the prompt). */
  stats(usage: StreamUsage, reported: LmStudioStats | null): RunStats {
    const { firstAt, lastAt, tokens, startedAt } = this;
    const measured = tokens < 2 || firstAt === null || lastAt === null || lastAt <= firstAt ? null : (tokens - 1) / ((lastAt - firstAt) / 1000);
    return {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      tokensPerSecond: reported?.tokensPerSecond ?? measured,
      timeToFirstTokenMs: reported?.timeToFirstTokenMs ?? (firstAt === null ? null : firstAt - startedAt),
      durationMs: performance.now() - startedAt,
    };
  }
}

/** Only when LM Studio reports no usage: about four characters per token. */
function estimatePromptTokens(body: Record<string, unknown>): number {
  const source = body.messages ?? body.prompt ?? body.input ?? '';
  const text = typeof source === 'string' ? source : JSON.stringify(source);
  return Math.ceil(text.length / 4);
}

/** JSON when it parses, else the text (error pages, plain-text failures). */
async function readPayload(response: IncomingMessage): Promise<unknown> {
  const text = await readText(response);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
