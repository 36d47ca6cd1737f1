import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequestFromZod } from '../../api/api-errors';
import { LaneSchema, SubmitJobSchema, type RequestKind, type SubmitJobRequest } from '../../../shared/job';
import { LmqError } from '../../../shared/errors';
import { PrioritySchema } from '../../../shared/priority';
import { callerOf } from '../auth';
import { answerWhenFinished, relayStream, type RelayOptions, type StreamDialect } from './queued-relay';

export type OpenAiRouteOptions = RelayOptions;

const ENDPOINTS: ReadonlyArray<{ url: string; kind: RequestKind; summary: string }> = [
  { url: '/v1/chat/completions', kind: 'chat', summary: 'Chat completion, queued (streams when stream: true)' },
  { url: '/v1/completions', kind: 'completion', summary: 'Text completion, queued (streams when stream: true)' },
  { url: '/v1/embeddings', kind: 'embedding', summary: 'Embeddings, queued' },
];

/** Embeddings never stream, whatever the body says. */
const STREAMING_KINDS: ReadonlySet<RequestKind> = new Set(['chat', 'completion']);

/**
 * OpenAI bodies have many fields and LM Studio reads them, so the body stays loose: only what
 * the queue itself reads is checked. `priority` is read (with the header) and never forwarded.
 */
export const OpenAiBodySchema = z.looseObject({
  model: SubmitJobSchema.shape.model,
  priority: z.unknown().optional().describe('0-9 or background|low|normal|high|urgent; X-LMQ-Priority wins'),
});
export const QueueHeadersSchema = z.looseObject({
  'x-lmq-priority': z.string().optional().describe('0-9 or background|low|normal|high|urgent'),
  'x-lmq-lane': LaneSchema.optional(),
});
/** The header wins over the body field, whatever the body field holds. */
const PriorityArgSchema = z.object({ priority: PrioritySchema.optional() });

export function jobRequestFrom(
  body: z.output<typeof OpenAiBodySchema>,
  headers: z.output<typeof QueueHeadersSchema>,
  kind: RequestKind,
): SubmitJobRequest {
  const { priority: bodyPriority, ...input } = body;
  const priority = PriorityArgSchema.safeParse({ priority: headers['x-lmq-priority'] ?? bodyPriority });
  if (!priority.success) throw badRequestFromZod(priority.error);
  return { kind, model: input.model, input, priority: priority.data.priority, lane: headers['x-lmq-lane'] ?? 'interactive' };
}

/** OpenAI's streams: data-only chunks, comments for our status, `data: [DONE]` at the end. */
export const OPENAI_STREAM: StreamDialect = {
  forward(stream, data) {
    // We end the stream ourselves once the job has finished, so LM Studio's own marker is dropped.
    if (data.trim() !== '[DONE]') stream.data(data);
  },
  waiting: (stream, text) => stream.comment(text),
  succeeded: (stream) => stream.data('[DONE]'),
  failed: (stream, error) => stream.data(JSON.stringify({ error: { code: error.code, message: error.message } })),
};

export interface QueuedEndpoint {
  url: string;
  kind: RequestKind;
  summary: string;
  tags: string[];
  /** How this API streams; null: never streams (embeddings). */
  stream: StreamDialect | null;
}

/** A POST that queues its request as a job: streamed in the endpoint's dialect when `stream: true`, else answered at the end. */
export function registerQueuedPost(app: FastifyInstance, endpoint: QueuedEndpoint, options: RelayOptions): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    endpoint.url,
    {
      config: { createsWork: true },
      schema: { summary: endpoint.summary, tags: endpoint.tags, body: OpenAiBodySchema, headers: QueueHeadersSchema },
    },
    async (request, reply) => {
      const jobRequest = jobRequestFrom(request.body, request.headers, endpoint.kind);
      const caller = callerOf(request);
      if (endpoint.stream && jobRequest.input.stream === true) {
        await relayStream(reply, jobRequest, caller, options, endpoint.stream);
        return reply;
      }
      return answerWhenFinished(reply, jobRequest, caller, options);
    },
  );
}

export function registerOpenAiRoutes(app: FastifyInstance, options: OpenAiRouteOptions): void {
  const { engine } = options;
  const model = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'lmstudio' });
  app.get('/v1/models', { schema: { summary: 'Models LM Studio offers (not queued)', tags: ['openai'] } }, () => ({
    object: 'list',
    data: engine.models().map(model),
  }));
  // The SDKs' models.retrieve(id); `*` because model ids carry slashes (qwen/qwen3-8b).
  app.get('/v1/models/*', { schema: { summary: 'One model LM Studio offers (not queued)', tags: ['openai'] } }, (request) => {
    const id = (request.params as { '*': string })['*'];
    if (!engine.models().includes(id)) throw new LmqError('not_found', `model "${id}" is not available; available: ${engine.models().join(', ')}`);
    return model(id);
  });

  for (const endpoint of ENDPOINTS) {
    registerQueuedPost(app, { ...endpoint, tags: ['openai'], stream: STREAMING_KINDS.has(endpoint.kind) ? OPENAI_STREAM : null }, options);
  }
}
