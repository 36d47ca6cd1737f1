/**
 * One queued inference request over HTTP, for every API surface (OpenAI, Responses, Anthropic
 * Messages, LM Studio's own): submit it as a job, answer with `X-LMQ-Job-Id`, cancel it when the
 * client leaves, and either wait for its body or relay its stream. What differs between APIs (how
 * a stream ends, how an error or a keep-alive is said) is the dialect's.
 */
import type { FastifyReply } from 'fastify';
import type { CallerContext } from '../../api/caller';
import { idempotencyKeyFrom } from '../../api/idempotency-key';
import { submitJob } from '../../api/job-handlers';
import type { Engine, FinishListener, JobSink } from '../../core/engine-api';
import type { Job, SubmitJobRequest } from '../../../shared/job';
import { shuttingDown } from '../draining';
import type { EventHub } from '../event-hub';
import type { LiveConnections } from '../live-connections';
import { CLIENT_DISCONNECTED, SseStream } from '../sse-stream';

export interface RelayOptions {
  engine: Engine;
  hub: EventHub;
  connections: LiveConnections;
}

/** An error as our routes say it; each dialect says it in its API's shape. */
export interface RelayError {
  status: number;
  code: string;
  message: string;
}

export interface StreamDialect {
  /** One of LM Studio's events, as it came. */
  forward(stream: SseStream, data: string, event: string | undefined): void;
  /** While queued: where the job stands (`text` is `queued position=N eta=Ns`, or `running`, `keepalive`). */
  waiting(stream: SseStream, text: string, job: Job | null): void;
  /** After the last event of a job that succeeded. */
  succeeded(stream: SseStream): void;
  failed(stream: SseStream, error: RelayError): void;
}

/** How a failed job answers a client; the engine already retried what was worth retrying. */
const STATUS_FOR_JOB_ERROR: Record<string, number> = {
  bad_request: 400,
  context_length: 400,
  unknown_model: 400,
  model_not_found: 404,
  canceled: 409,
  aborted: 409,
  model_loading: 503,
  interrupted: 503,
  unauthorized: 503,
  timeout: 504,
};
const DEFAULT_JOB_ERROR_STATUS = 502;

export function jobFailure(job: Job): RelayError {
  const code = job.error?.code ?? (job.state === 'canceled' ? 'canceled' : 'backend_error');
  const message = job.error?.message ?? `job ${job.id} ended ${job.state}`;
  return { status: STATUS_FOR_JOB_ERROR[code] ?? DEFAULT_JOB_ERROR_STATUS, code, message };
}

/** A retried request (same Idempotency-Key) gets the first job: its answer, not a second run. */
function withIdempotencyKey(caller: CallerContext, reply: FastifyReply): CallerContext {
  const idempotencyKey = idempotencyKeyFrom(reply.request.headers);
  return idempotencyKey ? { ...caller, idempotencyKey } : caller;
}

function cancelQuietly(engine: Engine, id: string, reason: string = CLIENT_DISCONNECTED): void {
  try {
    engine.cancel(id, reason);
  } catch {
    // Finished meanwhile: nothing to cancel.
  }
}

export function positionText(job: Job): string {
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

/** A promise that settles when the server sends the caller away (shutdown), and whether it has. */
function sendAwaySignal(): { sendAway: () => void; serverShutdown: Promise<'shutdown'>; readonly endedByServer: boolean } {
  let resolveShutdown: (value: 'shutdown') => void = () => {};
  const serverShutdown = new Promise<'shutdown'>((resolve) => (resolveShutdown = resolve));
  const signal = {
    endedByServer: false,
    serverShutdown,
    sendAway: () => {
      signal.endedByServer = true;
      resolveShutdown('shutdown');
    },
  };
  return signal;
}

/**
 * Queues a non-streaming job, waits for it and answers with its body exactly as LM Studio sent
 * it. A failure answers `{error: {code, message}}`: the route's scope reshapes it for its API.
 */
export async function answerWhenFinished(reply: FastifyReply, jobRequest: SubmitJobRequest, caller: CallerContext, options: RelayOptions): Promise<unknown> {
  const { engine, connections } = options;
  const { onFinish, finished } = finishSignal();
  const away = sendAwaySignal();
  const job = submitJob(engine, jobRequest, withIdempotencyKey(caller, reply), { onFinish, onShutdown: () => away.sendAway() });
  // Accepted once on disk: a commit that fails (disk full) answers 503 storage_* instead.
  await engine.durable();
  reply.header('x-lmq-job-id', job.id);
  const removeConnection = connections.add({ shutdown: () => away.sendAway() });
  let clientGone = false;
  reply.raw.on('close', () => {
    if (reply.raw.writableFinished || away.endedByServer) return;
    // A client that leaves while its job waits should not cost LM Studio anything.
    clientGone = true;
    cancelQuietly(engine, job.id);
  });
  const outcome = await Promise.race([finished, away.serverShutdown]);
  removeConnection();
  // The engine canceled the job (nobody would read its answer after the restart): the client's
  // retry, once LM Queue is back, is the one copy that runs.
  if (outcome === 'shutdown') throw shuttingDown();
  if (clientGone || reply.raw.destroyed) {
    reply.hijack();
    reply.raw.destroy();
    return undefined;
  }
  // The body as stored, byte for byte: no parse and re-serialize on the way out.
  if (outcome.resultJson !== null) return reply.type('application/json; charset=utf-8').send(outcome.resultJson);
  const failure = jobFailure(outcome.job);
  // OpenAI and Anthropic clients retry 409/5xx by default; the queue already did, so say not to.
  return reply.code(failure.status).header('x-should-retry', 'false').send({ error: { code: failure.code, message: failure.message } });
}

/**
 * Streams a job: SSE headers at once, the dialect's word on the position and ETA while it
 * waits, then LM Studio's events as they arrive, and the dialect's ending.
 */
export async function relayStream(
  reply: FastifyReply,
  jobRequest: SubmitJobRequest,
  caller: CallerContext,
  options: RelayOptions,
  dialect: StreamDialect,
): Promise<void> {
  const { engine, hub, connections } = options;
  // Chunks that arrive before the stream is open (they cannot, today) are kept, not lost.
  const early: Array<[string, string | undefined]> = [];
  let deliver: (data: string, event: string | undefined) => void = (data, event) => void early.push([data, event]);
  const sink: JobSink = { onChunk: (data, event) => deliver(data, event) };
  const { onFinish, finished } = finishSignal();
  const away = sendAwaySignal();
  const submitted = submitJob(engine, jobRequest, withIdempotencyKey(caller, reply), { sink, onFinish, onShutdown: () => away.sendAway() });
  const id = submitted.id;
  await engine.durable();
  const stream = new SseStream(reply, { 'x-lmq-job-id': id }, connections.streamBudget);
  for (const [data, event] of early) dialect.forward(stream, data, event);
  deliver = (data, event) => dialect.forward(stream, data, event);

  let running = submitted.state !== 'queued';
  let lastPosition = '';
  const sendPosition = (force: boolean, given?: Job) => {
    if (running) return;
    const job = given ?? engine.get(id);
    const text = positionText(job);
    if (force || text !== lastPosition) dialect.waiting(stream, text, job);
    lastPosition = text;
  };
  // The first place is the one submit just gave (no second read).
  if (!running) sendPosition(true, submitted);

  const stopQueueUpdates = hub.subscribe(() => sendPosition(false), ['queue.changed']);
  const stopWatching = hub.watchJob(id, (job) => {
    if (job.state === 'running' && !running) {
      running = true;
      stopQueueUpdates();
      dialect.waiting(stream, 'running', job);
    }
  });
  const removeConnection = connections.add({
    heartbeat: () => (running ? dialect.waiting(stream, 'keepalive', null) : sendPosition(true)),
    shutdown: () => away.sendAway(),
  });
  stream.onClientClose((reason) => {
    if (!away.endedByServer) cancelQuietly(engine, id, reason);
  });

  try {
    const outcome = await Promise.race([finished, away.serverShutdown]);
    if (outcome === 'shutdown') {
      const { error } = shuttingDown().toBody();
      dialect.failed(stream, { status: 503, code: error.code, message: error.message });
    } else if (outcome.job.state === 'succeeded') {
      dialect.succeeded(stream);
    } else {
      dialect.failed(stream, jobFailure(outcome.job));
    }
  } finally {
    stopQueueUpdates();
    stopWatching();
    removeConnection();
    stream.end();
  }
}
