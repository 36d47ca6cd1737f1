/**
 * LM Studio's SDK protocol (the WebSockets `@lmstudio/sdk` opens at `/llm`, `/embedding`,
 * `/system`), the subset its `model()`, `load()`, `unload()`, `listLoaded()`, `respond()`,
 * `complete()` and `embed()` use. Each call is served by this simulator's own HTTP endpoints
 * (a loopback request), so the slots, speeds, faults and record are exactly theirs: an SDK
 * prediction shows in the record as the `/v1/chat/completions` (or `/v1/completions`,
 * `/v1/embeddings`) request it ran as, with `clientRequestId` `sdk-…`.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createParser } from 'eventsource-parser';
import { WebSocketServer, type WebSocket } from 'ws';
import { findModel, type SimContext } from './sim-context';

const NAMESPACES = new Set(['llm', 'embedding', 'system']);

/** Accepts the SDK's sockets on `server`; everything else that asks to upgrade is refused. */
export interface SdkSockets {
  /** Drops every SDK connection (the simulator going down). */
  dropClients(): void;
  detach(): void;
}

export function attachSdkSockets(server: Server, ctx: SimContext, baseUrl: () => string): SdkSockets {
  const wss = new WebSocketServer({ noServer: true });
  let sequence = 0;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const namespace = new URL(req.url ?? '/', 'http://sim').pathname.slice(1);
    if (!NAMESPACES.has(namespace)) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, namespace, ctx, baseUrl, () => `sdk-${namespace}-${++sequence}`));
  };
  server.on('upgrade', onUpgrade);
  const dropClients = () => {
    for (const client of wss.clients) client.terminate();
  };
  return {
    dropClients,
    detach: () => {
      server.off('upgrade', onUpgrade);
      dropClients();
      wss.close();
    },
  };
}

type Packet = Record<string, unknown>;

function serve(ws: WebSocket, namespace: string, ctx: SimContext, baseUrl: () => string, nextRequestId: () => string): void {
  let authenticated = false;
  const channels = new Map<number, AbortController>();
  const send = (message: Packet) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  ws.on('close', () => {
    for (const controller of channels.values()) controller.abort();
  });
  ws.on('message', (data) => {
    let message: Packet;
    try {
      message = JSON.parse(data.toString()) as Packet;
    } catch {
      return;
    }
    if (!authenticated) {
      // An SDK apiToken `sk-lm-ID:PASSKEY` arrives split in two.
      const token = ctx.options.apiToken;
      if (token !== null && `sk-lm-${String(message.clientIdentifier)}:${String(message.clientPasskey)}` !== token) {
        send({ success: false, error: 'Invalid API token.' });
        return void ws.close();
      }
      authenticated = true;
      return send({ success: true });
    }
    const call = { ctx, namespace, baseUrl, requestId: nextRequestId };
    if (message.type === 'rpcCall') {
      const callId = message.callId as number;
      rpc(call, String(message.endpoint), message.parameter as Packet | undefined).then(
        (result) => send({ type: 'rpcResult', callId, result }),
        (error: unknown) => send({ type: 'rpcError', callId, error: { title: errorText(error) } }),
      );
    }
    if (message.type === 'channelCreate') {
      const channelId = message.channelId as number;
      const controller = new AbortController();
      channels.set(channelId, controller);
      channel(call, String(message.endpoint), message.creationParameter as Packet, controller.signal, (packet) => send({ type: 'channelSend', channelId, message: packet })).then(
        () => send({ type: 'channelClose', channelId }),
        (error: unknown) => send({ type: 'channelError', channelId, error: { title: errorText(error) } }),
      ).finally(() => channels.delete(channelId));
    }
    if (message.type === 'channelSend' && (message.message as Packet | undefined)?.type === 'cancel') channels.get(message.channelId as number)?.abort();
    if (message.type === 'keepAlive') send({ type: 'keepAliveAck' });
  });
}

interface Call {
  ctx: SimContext;
  namespace: string;
  baseUrl: () => string;
  requestId: () => string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function post(call: Call, path: string, body: Packet, signal?: AbortSignal): Promise<Response> {
  const token = call.ctx.options.apiToken;
  const response = await fetch(call.baseUrl() + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': call.requestId(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    const payload = (await response.json().catch(() => null)) as { error?: { message?: string } | string } | null;
    const error = payload?.error;
    throw new Error(typeof error === 'string' ? error : (error?.message ?? `HTTP ${response.status}`));
  }
  return response;
}

/** LM Studio's model info for a simulated model (loaded instance fields filled in). */
function modelInfo(ctx: SimContext, id: string): Packet {
  const model = findModel(ctx, id);
  if (!model) throw new Error(`Model "${id}" not found.`);
  const instance = ctx.host.instances().find((i) => i.model === id);
  return {
    type: model.type,
    modelKey: model.id,
    format: 'gguf',
    displayName: model.id,
    publisher: 'lmstudio-sim',
    path: `lmstudio-sim/${model.id}`,
    sizeBytes: model.sizeBytes,
    indexedModelIdentifier: `lmstudio-sim/${model.id}`,
    deviceIdentifier: null,
    identifier: instance?.instanceId ?? model.id,
    instanceReference: instance?.instanceId ?? model.id,
    ttlMs: null,
    lastUsedTime: null,
    maxContextLength: ctx.options.contextLength,
    contextLength: ctx.options.contextLength,
    ...(model.type === 'llm' ? { vision: false, trainedForToolUse: false } : {}),
  };
}

/** The model a specifier names: an instance reference is an instance id (`key` or `key:2`). */
function specifiedModel(ctx: SimContext, specifier: Packet): string {
  if (specifier.type === 'instanceReference') {
    const reference = String(specifier.instanceReference);
    return ctx.host.instances().find((i) => i.instanceId === reference)?.model ?? reference;
  }
  const query = (specifier.query ?? {}) as { identifier?: string; path?: string };
  const id = query.identifier ?? query.path ?? ctx.host.loadedModel;
  if (!id) throw new Error('No models loaded.');
  return id;
}

async function rpc(call: Call, endpoint: string, parameter: Packet | undefined): Promise<unknown> {
  const { ctx } = call;
  if (call.namespace === 'system' && endpoint === 'listDownloadedModels') return ctx.models.map((m) => modelInfo(ctx, m.id));
  const domain = call.namespace;
  if (endpoint === 'listLoaded') {
    const ids = [...new Set(ctx.host.instances().map((i) => i.model))];
    return ids.filter((id) => findModel(ctx, id)?.type === domain).map((id) => modelInfo(ctx, id));
  }
  if (endpoint === 'getModelInfo') return modelInfo(ctx, specifiedModel(ctx, parameter!.specifier as Packet));
  if (endpoint === 'unloadModel') {
    const identifier = String(parameter!.identifier);
    const instance = ctx.host.instances().find((i) => i.instanceId === identifier || i.model === identifier);
    if (!instance) throw new Error(`No loaded model instance with identifier "${identifier}".`);
    await post(call, '/api/v1/models/unload', { instance_id: instance.instanceId });
    return undefined;
  }
  if (endpoint === 'embedString') {
    const response = await post(call, '/v1/embeddings', { model: specifiedModel(ctx, parameter!.modelSpecifier as Packet), input: parameter!.inputString });
    const body = (await response.json()) as { data: Array<{ embedding: number[] }> };
    return { embedding: body.data[0]!.embedding };
  }
  throw new Error(`The simulator does not serve ${call.namespace}.${endpoint}.`);
}

async function channel(call: Call, endpoint: string, parameter: Packet, signal: AbortSignal, say: (packet: Packet) => void): Promise<void> {
  const { ctx } = call;
  if (endpoint === 'getOrLoad' || endpoint === 'loadModel') {
    const id = String(parameter.identifier ?? parameter.modelKey);
    if (!findModel(ctx, id)) throw new Error(`Model "${id}" not found.`);
    const loaded = ctx.host.instances().some((i) => i.model === id);
    if (endpoint === 'getOrLoad' && loaded) return say({ type: 'alreadyLoaded', info: modelInfo(ctx, id) });
    if (endpoint === 'getOrLoad') say({ type: 'startLoading', identifier: id, info: modelInfo(ctx, id) });
    else say({ type: 'resolved', info: modelInfo(ctx, id) });
    await post(call, '/api/v1/models/load', { model: id }, signal);
    return say({ type: endpoint === 'getOrLoad' ? 'loadSuccess' : 'success', info: modelInfo(ctx, id) });
  }
  if (endpoint === 'predict' || endpoint === 'completeRawText') return predict(call, endpoint, parameter, signal, say);
  throw new Error(`The simulator does not serve ${call.namespace}.${endpoint}.`);
}

function configFields(parameter: Packet): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const stack = (parameter.predictionConfigStack ?? { layers: [] }) as { layers: Array<{ config: { fields: Array<{ key: string; value: unknown }> } }> };
  for (const layer of stack.layers) for (const field of layer.config.fields) fields.set(field.key, field.value);
  return fields;
}

function historyMessages(parameter: Packet): Packet[] {
  const history = parameter.history as { messages: Array<{ role: string; content: Array<{ type: string; text?: string; content?: string }> }> };
  return history.messages.map((m) => ({ role: m.role, content: m.content.map((part) => part.text ?? part.content ?? '').join('') }));
}

async function predict(call: Call, endpoint: string, parameter: Packet, signal: AbortSignal, say: (packet: Packet) => void): Promise<void> {
  const model = specifiedModel(call.ctx, parameter.modelSpecifier as Packet);
  const config = configFields(parameter);
  const maxTokens = config.get('llm.prediction.maxPredictedTokens') as { checked?: boolean; value?: number } | undefined;
  const body: Packet = {
    model,
    stream: true,
    stream_options: { include_usage: true },
    ...(endpoint === 'predict' ? { messages: historyMessages(parameter) } : { prompt: parameter.rawPrompt }),
    ...(maxTokens?.checked ? { max_tokens: maxTokens.value } : {}),
  };
  const started = performance.now();
  let firstTokenAt: number | null = null;
  let predicted = 0;
  let usage: { prompt_tokens?: number; completion_tokens?: number } = {};
  let finishReason: unknown = null;
  const finish = (stopReason: string) => {
    const totalTimeSec = (performance.now() - started) / 1000;
    const timeToFirstTokenSec = firstTokenAt === null ? totalTimeSec : (firstTokenAt - started) / 1000;
    say({
      type: 'success',
      stats: {
        stopReason,
        tokensPerSecond: totalTimeSec > timeToFirstTokenSec ? predicted / (totalTimeSec - timeToFirstTokenSec) : 0,
        timeToFirstTokenSec,
        totalTimeSec,
        promptTokensCount: usage.prompt_tokens ?? 0,
        predictedTokensCount: usage.completion_tokens ?? predicted,
        totalTokensCount: (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? predicted),
      },
      modelInfo: modelInfo(call.ctx, model),
      loadModelConfig: { fields: [] },
      predictionConfig: { fields: [...config].map(([key, value]) => ({ key, value })) },
    });
  };
  try {
    const response = await post(call, endpoint === 'predict' ? '/v1/chat/completions' : '/v1/completions', body, signal);
    const parser = createParser({
      onEvent(event) {
        if (event.data === '[DONE]') return;
        const chunk = JSON.parse(event.data) as { choices: Array<{ delta?: { content?: string }; text?: string; finish_reason?: unknown }>; usage?: typeof usage; error?: { message?: string } };
        if (chunk.error) throw new Error(chunk.error.message ?? 'generation failed');
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (!choice) return;
        finishReason = choice.finish_reason ?? finishReason;
        const content = choice.delta?.content ?? choice.text;
        if (!content) return;
        firstTokenAt ??= performance.now();
        predicted++;
        say({ type: 'fragment', fragment: { content, tokensCount: 1, containsDrafted: false, reasoningType: 'none', isStructural: false } });
      },
    });
    const decoder = new TextDecoder();
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(bytes, { stream: true }));
  } catch (error) {
    if (!signal.aborted) throw error;
    return finish('userStopped');
  }
  finish(finishReason === 'length' ? 'maxPredictedTokensReached' : 'eosFound');
}
