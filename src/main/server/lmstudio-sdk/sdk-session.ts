/**
 * One SDK WebSocket (one namespace of one LMStudioClient): the handshake, then RPC calls and
 * channels. Predictions (`respond`, `complete`) and embeddings (`embed`) become ordinary
 * `chat`, `completion` and `embedding` jobs run through LM Studio's OpenAI endpoints; their
 * answers are rebuilt as the SDK's packets. A cancel from the SDK, or the socket closing,
 * cancels the job (a queued one never reaches LM Studio).
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { toLmqError } from '../../api/api-errors';
import type { CallerContext } from '../../api/caller';
import { submitJob } from '../../api/job-handlers';
import type { Engine } from '../../core/engine-api';
import type { Job, RequestKind } from '../../../shared/job';
import { LmqError } from '../../../shared/errors';
import { takeRequest } from '../auth';
import { shuttingDown } from '../draining';
import type { LiveConnections } from '../live-connections';
import type { RateLimiter } from '../rate-limiter';
import { jobFailure } from '../routes/queued-relay';
import { connectionSettings, sdkCaller, type SdkCallerOptions, type SdkConnectionSettings } from './sdk-caller';
import { LOADING_REFUSED, SdkModels } from './sdk-models';
import {
  AuthPacketSchema,
  ClientMessageSchema,
  CompleteRawTextParamsSchema,
  EmbedStringParamsSchema,
  GetModelInfoParamsSchema,
  GetOrLoadParamsSchema,
  PredictParamsSchema,
  collapseConfig,
  fragmentsOf,
  openAiMessages,
  openAiSampling,
  sdkError,
  stopReason,
  type ClientMessage,
  type Domain,
} from './sdk-protocol';

export interface SdkSessionOptions extends SdkCallerOptions {
  engine: Engine;
  connections: LiveConnections;
  rateLimiter: RateLimiter;
  draining: () => boolean;
}

/** A socket that cannot keep up is closed rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** WebSocket close code for "your token was revoked" (as /api/ws). */
const WS_TOKEN_REVOKED = 4001;

const AUTH_TIMEOUT_MS = 10_000;

const NOT_CARRIED = 'LM Queue carries predictions (respond, complete), embeddings (embed) and model handles (model, listLoaded) of the SDK';

interface OpenWork {
  jobId: string;
  /** The SDK asked to stop (a channel's cancel): answered as LM Studio does, a success with stopReason userStopped. */
  stopRequested: boolean;
}

export class SdkSession {
  private caller: CallerContext | null = null;
  private settings: SdkConnectionSettings = {};
  private readonly work = new Map<string, OpenWork>();
  private readonly channels = new Map<number, OpenWork>();
  private readonly models: SdkModels | null;
  private removeConnection: () => void = () => {};
  private closed = false;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
    private readonly namespace: string,
    private readonly options: SdkSessionOptions,
  ) {
    const domain: Domain | null = namespace === 'llm' || namespace === 'embedding' ? namespace : null;
    this.models = domain ? new SdkModels(options.engine, domain) : null;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.received(data.toString());
    });
    socket.on('close', () => this.socketClosed());
    // A socket that never says who it is holds nothing of ours for long.
    this.authTimer = setTimeout(() => {
      if (!this.caller) socket.close(1008, 'no authentication message');
    }, AUTH_TIMEOUT_MS);
    this.authTimer.unref();
  }

  private send(message: Record<string, unknown>): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  private received(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.send({ type: 'communicationWarning', warning: 'messages must be JSON' });
      return;
    }
    if (!this.caller) return this.authenticate(message);
    const parsed = ClientMessageSchema.safeParse(message);
    if (!parsed.success) {
      this.send({ type: 'communicationWarning', warning: `LM Queue did not understand a message: ${parsed.error.issues[0]?.message ?? 'bad shape'}` });
      return;
    }
    this.handle(parsed.data);
  }

  private authenticate(message: unknown): void {
    const packet = AuthPacketSchema.safeParse(message);
    try {
      if (!packet.success) throw new LmqError('bad_request', 'the first message must be {authVersion: 1, clientIdentifier, clientPasskey}');
      this.settings = connectionSettings(packet.data.clientIdentifier);
      this.caller = sdkCaller(packet.data.clientPasskey, this.request, this.options);
    } catch (error) {
      this.send({ success: false, error: toLmqError(error).message });
      this.socket.close(1008, 'not authenticated');
      return;
    }
    const caller = this.caller;
    this.removeConnection = this.options.connections.add({
      heartbeat: () => {
        if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
      },
      shutdown: () => this.socket.close(1001, 'LM Queue is shutting down'),
      ...(caller.token ? { token: caller.token.name, revoked: () => this.socket.close(WS_TOKEN_REVOKED, 'the token was revoked') } : {}),
    });
    this.send({ success: true });
  }

  private handle(message: ClientMessage): void {
    switch (message.type) {
      case 'keepAlive':
        return this.send({ type: 'keepAliveAck' });
      case 'rpcCall':
        return this.rpc(message.endpoint, message.callId, message.parameter);
      case 'channelCreate':
        return this.openChannel(message.endpoint, message.channelId, message.creationParameter);
      case 'channelSend': {
        const open = this.channels.get(message.channelId);
        if (open && (message.message as { type?: unknown } | null)?.type === 'cancel') this.stop(open);
        return;
      }
      case 'signalSubscribe':
        return this.send({ type: 'signalError', subscribeId: message.subscribeId, error: sdkError(`${NOT_CARRIED}, not ${this.namespace}.${message.endpoint}`) });
      case 'writableSignalSubscribe':
        return this.send({ type: 'writableSignalError', subscribeId: message.subscribeId, error: sdkError(`${NOT_CARRIED}, not ${this.namespace}.${message.endpoint}`) });
      default:
        // Acks, warnings, unsubscribes: nothing to answer.
        return;
    }
  }

  private rpc(endpoint: string, callId: number, parameter: unknown): void {
    const answer = (result: unknown) => this.send({ type: 'rpcResult', callId, result });
    const fail = (error: unknown) => this.send({ type: 'rpcError', callId, error: sdkError(failureOf(error)) });
    try {
      const models = this.models;
      if (this.namespace === 'system' && endpoint === 'listDownloadedModels') return answer(SdkModels.downloaded(this.options.engine));
      if (!models) throw new LmqError('not_found', `${NOT_CARRIED}, not ${this.namespace}.${endpoint}`);
      if (endpoint === 'unloadModel') throw new LmqError('forbidden', LOADING_REFUSED);
      if (endpoint === 'listLoaded') return answer(models.loaded());
      if (endpoint === 'getModelInfo') {
        const { specifier, throwIfNotFound } = parse(GetModelInfoParamsSchema, parameter);
        return answer(models.lookup(specifier, throwIfNotFound));
      }
      if (endpoint === 'embedString' && this.namespace === 'embedding') {
        const { modelSpecifier, inputString } = parse(EmbedStringParamsSchema, parameter);
        this.startJob('embedding', models.modelFor(modelSpecifier), { input: inputString }, null, {
          succeeded: (_job, resultJson) => answer({ embedding: (JSON.parse(resultJson) as { data: Array<{ embedding: number[] }> }).data[0]?.embedding ?? [] }),
          failed: (error) => fail(error),
        });
        return;
      }
      throw new LmqError('not_found', `${NOT_CARRIED}, not ${this.namespace}.${endpoint}`);
    } catch (error) {
      fail(error);
    }
  }

  private openChannel(endpoint: string, channelId: number, parameter: unknown): void {
    const fail = (error: unknown) => this.send({ type: 'channelError', channelId, error: sdkError(failureOf(error)) });
    const say = (message: Record<string, unknown>) => this.send({ type: 'channelSend', channelId, message });
    const close = () => this.send({ type: 'channelClose', channelId });
    try {
      const models = this.models;
      if (!models) throw new LmqError('not_found', `${NOT_CARRIED}, not ${this.namespace}.${endpoint}`);
      if (endpoint === 'loadModel') throw new LmqError('forbidden', LOADING_REFUSED);
      if (endpoint === 'getOrLoad') {
        say({ type: 'alreadyLoaded', info: models.handle(parse(GetOrLoadParamsSchema, parameter).identifier) });
        return close();
      }
      if (this.namespace !== 'llm' || (endpoint !== 'predict' && endpoint !== 'completeRawText')) {
        throw new LmqError('not_found', `${NOT_CARRIED}, not ${this.namespace}.${endpoint}`);
      }
      const { kind, model, input, config } = this.predictionJob(endpoint, parameter, models);
      let fragments = 0;
      let firstFragmentAt: number | null = null;
      const open = this.startJob(kind, model, input, (data) => {
        if (data.trim() === '[DONE]') return;
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch {
          return; // The engine's own reading of the stream reports a broken chunk.
        }
        for (const fragment of fragmentsOf(chunk)) {
          firstFragmentAt ??= Date.now();
          fragments++;
          say({ type: 'fragment', fragment });
        }
      }, {
        succeeded: (job, resultJson) => {
          say({ type: 'success', ...this.successPacket(job, resultJson, firstFragmentAt, models, config) });
          close();
        },
        failed: (error, job) => {
          if (job?.state === 'canceled' && open.stopRequested) {
            say({ type: 'success', ...this.stoppedPacket(job, fragments, models, config) });
            return close();
          }
          fail(error);
        },
      });
      this.channels.set(channelId, open);
    } catch (error) {
      fail(error);
    }
  }

  private predictionJob(endpoint: string, parameter: unknown, models: SdkModels) {
    if (endpoint === 'predict') {
      const params = parse(PredictParamsSchema, parameter);
      const config = collapseConfig(params.predictionConfigStack);
      const input = { messages: openAiMessages(params.history), ...openAiSampling(config) };
      return { kind: 'chat' as const, model: models.modelFor(params.modelSpecifier), input, config };
    }
    const params = parse(CompleteRawTextParamsSchema, parameter);
    const config = collapseConfig(params.predictionConfigStack);
    return { kind: 'completion' as const, model: models.modelFor(params.modelSpecifier), input: { prompt: params.rawPrompt, ...openAiSampling(config) }, config };
  }

  private successPacket(job: Job, resultJson: string, firstFragmentAt: number | null, models: SdkModels, config: Map<string, unknown>) {
    const result = JSON.parse(resultJson) as { choices?: Array<{ finish_reason?: unknown }>; usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } };
    const started = job.startedAt ? Date.parse(job.startedAt) : null;
    const finished = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
    const predicted = result.usage?.completion_tokens;
    const totalTimeSec = started === null ? undefined : Math.max(0, (finished - started) / 1000);
    const timeToFirstTokenSec = started === null || firstFragmentAt === null ? undefined : Math.max(0, (firstFragmentAt - started) / 1000);
    const generatingSec = totalTimeSec !== undefined && timeToFirstTokenSec !== undefined ? totalTimeSec - timeToFirstTokenSec : 0;
    const stats = {
      stopReason: stopReason(result.choices?.[0]?.finish_reason),
      ...(predicted !== undefined && generatingSec > 0 ? { tokensPerSecond: predicted / generatingSec } : {}),
      ...(timeToFirstTokenSec !== undefined ? { timeToFirstTokenSec } : {}),
      ...(totalTimeSec !== undefined ? { totalTimeSec } : {}),
      ...(result.usage?.prompt_tokens !== undefined ? { promptTokensCount: result.usage.prompt_tokens } : {}),
      ...(predicted !== undefined ? { predictedTokensCount: predicted } : {}),
      ...(result.usage?.total_tokens !== undefined ? { totalTokensCount: result.usage.total_tokens } : {}),
    };
    return { stats, modelInfo: models.infoFor(job.model), loadModelConfig: { fields: [] }, predictionConfig: configFields(config) };
  }

  private stoppedPacket(job: Job, fragments: number, models: SdkModels, config: Map<string, unknown>) {
    return { stats: { stopReason: 'userStopped', predictedTokensCount: fragments }, modelInfo: models.infoFor(job.model), loadModelConfig: { fields: [] }, predictionConfig: configFields(config) };
  }

  /** Queues one job for this connection's caller; `outcome` is told once, when it ends. */
  private startJob(
    kind: RequestKind,
    model: string,
    input: Record<string, unknown>,
    onChunk: ((data: string) => void) | null,
    outcome: { succeeded(job: Job, resultJson: string): void; failed(error: { code: string; message: string }, job: Job | null): void },
  ): OpenWork {
    const caller = this.caller!;
    const { engine, rateLimiter } = this.options;
    if (this.options.draining()) throw shuttingDown();
    takeRequest(caller, rateLimiter);
    const request = { kind, model, input, priority: this.settings.priority, lane: this.settings.lane ?? 'interactive', metadata: { client: 'lmstudio-sdk' } };
    const job = submitJob(engine, request, caller, {
      ...(onChunk ? { sink: { onChunk } } : {}),
      onFinish: (finished, resultJson) => {
        this.work.delete(finished.id);
        if (finished.state === 'succeeded' && resultJson !== null) return outcome.succeeded(finished, resultJson);
        const failure = jobFailure(finished);
        outcome.failed({ code: failure.code, message: `LM Queue job ${finished.id} ${finished.state}: ${failure.message}` }, finished);
      },
      onShutdown: () => outcome.failed(shuttingDown(), null),
    });
    const open: OpenWork = { jobId: job.id, stopRequested: false };
    this.work.set(job.id, open);
    // Accepted once on disk; a commit that fails (disk full) cancels the job and says why.
    engine.durable().catch((error: unknown) => {
      this.cancel(job.id, 'not stored');
      outcome.failed(toLmqError(error), null);
    });
    return open;
  }

  private stop(open: OpenWork): void {
    open.stopRequested = true;
    this.cancel(open.jobId, `stopped by ${this.caller?.owner ?? 'the SDK client'}`);
  }

  private cancel(jobId: string, reason: string): void {
    try {
      this.options.engine.cancel(jobId, reason);
    } catch {
      // Finished meanwhile: nothing to cancel.
    }
  }

  private socketClosed(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    this.removeConnection();
    // A client that leaves should not cost LM Studio anything.
    for (const open of this.work.values()) this.cancel(open.jobId, 'client disconnected');
    this.work.clear();
    this.channels.clear();
  }
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new LmqError('bad_request', `${issue?.path.map(String).join('.') || 'parameter'}: ${issue?.message ?? 'bad shape'}`);
}

/** A job's failure as it is, or a thrown error in our terms. */
function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof Error) return toLmqError(error);
  const failure = error as { code?: unknown; message?: unknown };
  return typeof failure?.code === 'string' && typeof failure.message === 'string' ? { code: failure.code, message: failure.message } : toLmqError(error);
}

function configFields(config: Map<string, unknown>): { fields: Array<{ key: string; value: unknown }> } {
  return { fields: [...config].map(([key, value]) => ({ key, value })) };
}
