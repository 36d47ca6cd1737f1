import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequestFromZod } from '../../api/api-errors';
import type { CallerContext } from '../../api/caller';
import { submitJob } from '../../api/job-handlers';
import type { Engine, FinishListener, JobSink } from '../../core/engine-api';
import { LaneSchema, SubmitJobSchema, type Job, type JobKind, type SubmitJobRequest } from '../../../shared/job';
import { PrioritySchema } from '../../../shared/priority';
import { callerOf } from '../auth';
import { shuttingDown } from '../draining';
import type { EventHub } from '../event-hub';
import type { LiveConnections } from '../live-connections';
import { SseStream } from '../sse-stream';

export interface OpenAiRouteOptions {
  engine: Engine;
  hub: EventHub;
  connections: LiveConnections;
}

const ENDPOINTS: ReadonlyArray<{ url: string; kind: JobKind; summary: string }> = [
  { url: '/v1/chat/completions', kind: 'chat', summary: 'Chat completion, queued (streams when stream: true)' },
  { url: '/v1/completions', kind: 'completion', summary: 'Text completion, queued (streams when stream: true)' },
  { url: '/v1/embeddings', kind: 'embedding', summary: 'Embeddings, queued' },
];

/** Embeddings never stream, whatever the body says. */
const STREAMING_KINDS: ReadonlySet<JobKind> = new Set(['chat', 'completion']);

/** How a failed job answers an OpenAI client; the engine already retried what was worth retrying. */
const STATUS_FOR_JOB_ERROR: Record<string, number> = {
  bad_request: 400,
  context_length: 400,
  unknown_model: 400,
  model_not_found: 404,
  canceled: 409,
  aborted: 409,
  model_loading: 503,
  interrupted: 503,
  timeout: 504,
};
const DEFAULT_JOB_ERROR_STATUS = 502;

/**
 * OpenAI bodies have many fields and LM Studio reads them, so the body stays loose: only what
 * the queue itself reads is checked. `priority` is read (with the header) and never forwarded.
 */
const OpenAiBodySchema = z.looseObject({
  model: SubmitJobSchema.shape.model,
  priority: z.unknown().optional().describe('0-9 or background|low|normal|high|urgent; X-LMQ-Priority wins'),
});
const QueueHeadersSchema = z.looseObject({
  'x-lmq-priority': z.string().optional().describe('0-9 or background|low|normal|high|urgent'),
  'x-lmq-lane': LaneSchema.optional(),
});
/** The header wins over the body field, whatever the body field holds. */
const PriorityArgSchema = z.object({ priority: PrioritySchema.optional() });

function jobRequestFrom(
  body: z.output<typeof OpenAiBodySchema>,
  headers: z.output<typeof QueueHeadersSchema>,
  kind: JobKind,
): SubmitJobRequest {
  const { priority: bodyPriority, ...input } = body;
  const priority = PriorityArgSchema.safeParse({ priority: headers['x-lmq-priority'] ?? bodyPriority });
  if (!priority.success) throw badRequestFromZod(priority.error);
  return { kind, model: input.model, input, priority: priority.data.priority, lane: headers['x-lmq-lane'] ?? 'interactive' };
}

export function jobFailureBody(job: Job): { status: number; body: { error: { code: string; message: string } } } {
  const code = job.error?.code ?? (job.state === 'canceled' ? 'canceled' : 'backend_error');
  const message = job.error?.message ?? `job ${job.id} ended ${job.state}`;
  return { status: STATUS_FOR_JOB_ERROR[code] ?? DEFAULT_JOB_ERROR_STATUS, body: { error: { code, message } } };
}

function cancelQuietly(engine: Engine, id: string): void {
  try {
    engine.cancel(id, 'the client disconnected');
  } catch {
    // Finished meanwhile: nothing to cancel.
  }
}

function positionComment(job: Job): string {
  const eta = job.eta ? ` eta=${Math.round(job.eta.startsInSeconds)}s` : '';
  return `queued position=${job.position ?? '?'}${eta}`;
}

interface Finished {
  job: Job;
  resultJson: string | null;
}

/** A promise for a job's end, and the listener (given to submit) that settles it. */
function finishSignal(): { onFinish: FinishListener; finished: Promise<Finished> } {
  let onFinish: FinishListener = () => {};
  const finished = new Promise<Finished>((resolve) => (onFinish = (job, resultJson) => resolve({ job, resultJson })));
  return { onFinish, finished };
}

/** Queues a non-streaming job, waits for it and answers with its OpenAI body, exactly as LM Studio sent it. */
async function answerWhenFinished(
  reply: FastifyReply,
  jobRequest: SubmitJobRequest,
  caller: CallerContext,
  options: OpenAiRouteOptions,
): Promise<unknown> {
  const { engine, connections } = options;
  const { onFinish, finished } = finishSignal();
  const job = submitJob(engine, jobRequest, caller, { onFinish });
  reply.header('x-lmq-job-id', job.id);
  let endedByServer = false;
  let removeConnection = () => {};
  const serverShutdown = new Promise<'shutdown'>((resolve) => {
    removeConnection = connections.add({
      shutdown: () => {
        endedByServer = true;
        resolve('shutdown');
      },
    });
  });
  let clientGone = false;
  reply.raw.on('close', () => {
    if (reply.raw.writableFinished || endedByServer) return;
    // A client that leaves while its job waits should not cost LM Studio anything.
    clientGone = true;
    cancelQuietly(engine, job.id);
  });
  const outcome = await Promise.race([finished, serverShutdown]);
  removeConnection();
  // The job stays queued across a restart; its id (in the header) fetches the result later.
  if (outcome === 'shutdown') throw shuttingDown();
  if (clientGone || reply.raw.destroyed) {
    reply.hijack();
    reply.raw.destroy();
    return undefined;
  }
  // The body as stored, byte for byte: no parse and re-serialize on the way out.
  if (outcome.resultJson !== null) return reply.type('application/json; charset=utf-8').send(outcome.resultJson);
  const failure = jobFailureBody(outcome.job);
  // OpenAI clients retry 409/5xx by default; the queue already did, so say not to.
  return reply.code(failure.status).header('x-should-retry', 'false').send(failure.body);
}

/**
 * Streams a job: SSE headers at once, `: queued position=N eta=Ns` comments while it waits,
 * then LM Studio's chunks as they arrive and `data: [DONE]`.
 */
async function relayStream(
  reply: FastifyReply,
  jobRequest: SubmitJobRequest,
  caller: CallerContext,
  options: OpenAiRouteOptions,
): Promise<void> {
  const { engine, hub, connections } = options;
  // Chunks that arrive before the stream is stream (they cannot, today) are kept, not lost.
  const early: string[] = [];
  let deliver: (data: string) => void = (data) => void early.push(data);
  const sink: JobSink = {
    onChunk(data) {
      // We end the stream ourselves once the job has finished, so LM Studio's own marker is dropped.
      if (data.trim() !== '[DONE]') deliver(data);
    },
  };
  const { onFinish, finished } = finishSignal();
  const submitted = submitJob(engine, jobRequest, caller, { sink, onFinish });
  const id = submitted.id;
  const stream = new SseStream(reply, { 'x-lmq-job-id': id });
  for (const data of early) stream.data(data);
  deliver = (data) => stream.data(data);

  let running = submitted.state !== 'queued';
  let lastPosition = '';
  let endedByServer = false;
  const sendPosition = (force: boolean, job?: Job) => {
    if (running) return;
    const comment = positionComment(job ?? engine.get(id));
    if (force || comment !== lastPosition) stream.comment(comment);
    lastPosition = comment;
  };
  // The first place is the one submit just gave (no second read).
  if (!running) sendPosition(true, submitted);

  const stopQueueUpdates = hub.subscribe(() => sendPosition(false), ['queue.changed']);
  const stopWatching = hub.watchJob(id, (job) => {
    if (job.state === 'running' && !running) {
      running = true;
      stopQueueUpdates();
      stream.comment('running');
    }
  });
  let resolveShutdown = () => {};
  const serverShutdown = new Promise<'shutdown'>((resolve) => (resolveShutdown = () => resolve('shutdown')));
  const removeConnection = connections.add({
    heartbeat: () => (running ? stream.comment('keepalive') : sendPosition(true)),
    shutdown: () => {
      endedByServer = true;
      resolveShutdown();
    },
  });
  stream.onClientClose(() => {
    if (!endedByServer) cancelQuietly(engine, id);
  });

  try {
    const outcome = await Promise.race([finished, serverShutdown]);
    if (outcome === 'shutdown') {
      stream.data(JSON.stringify(shuttingDown().toBody()));
    } else if (outcome.job.state === 'succeeded') {
      stream.data('[DONE]');
    } else {
      stream.data(JSON.stringify(jobFailureBody(outcome.job).body));
    }
  } finally {
    stopQueueUpdates();
    stopWatching();
    removeConnection();
    stream.end();
  }
}

export function registerOpenAiRoutes(app: FastifyInstance, options: OpenAiRouteOptions): void {
  const { engine } = options;
  app.get('/v1/models', { schema: { summary: 'Models LM Studio offers (not queued)', tags: ['openai'] } }, () => ({
    object: 'list',
    data: engine.models().map((id) => ({ id, object: 'model', created: 0, owned_by: 'lmstudio' })),
  }));

  for (const endpoint of ENDPOINTS) {
    app.withTypeProvider<ZodTypeProvider>().post(
      endpoint.url,
      {
        config: { createsWork: true },
        schema: { summary: endpoint.summary, tags: ['openai'], body: OpenAiBodySchema, headers: QueueHeadersSchema },
      },
      async (request, reply) => {
        const jobRequest = jobRequestFrom(request.body, request.headers, endpoint.kind);
        const caller = callerOf(request);
        if (STREAMING_KINDS.has(endpoint.kind) && jobRequest.input.stream === true) {
          await relayStream(reply, jobRequest, caller, options);
          return reply;
        }
        return answerWhenFinished(reply, jobRequest, caller, options);
      },
    );
  }
}
