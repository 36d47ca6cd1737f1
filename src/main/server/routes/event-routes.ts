import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { toLmqError } from '../../api/api-errors';
import type { CallerContext } from '../../api/caller';
import type { Dispatcher } from '../../api/dispatcher';
import { HANDLERS } from '../../../shared/contract';
import { callerOf, takeRequest } from '../auth';
import { shuttingDown } from '../draining';
import type { EventHub, HubListener } from '../event-hub';
import { seesAllOf } from '../../api/job-visibility';
import type { Job } from '../../../shared/job';
import type { LiveConnections } from '../live-connections';
import type { RateLimiter } from '../rate-limiter';
import { SseStream } from '../sse-stream';

export interface EventRouteOptions {
  hub: EventHub;
  connections: LiveConnections;
  dispatcher: Dispatcher;
  draining: () => boolean;
  /** Each invoke over a WebSocket counts as a request against the token's allowance. */
  rateLimiter: RateLimiter;
}

/** WebSocket close code for "your token was revoked" (4000-4999: for applications). */
export const WS_TOKEN_REVOKED = 4001;

/** A socket that cannot keep up is closed rather than buffered without bound. */
const MAX_WS_BUFFERED_BYTES = 8 * 1024 * 1024;

const InvokeMessageSchema = z.object({
  type: z.literal('invoke'),
  id: z.union([z.string().max(100), z.number()]),
  name: z.string().max(100),
  args: z.unknown().optional(),
});

const TokenQuerySchema = z.object({ token: z.string().optional().describe('For browsers, which cannot set headers here') });

/** `{type:'invoke', id, name, args}` → `{id, result}` or `{id, error:{code, message}}`. */
async function answerInvoke(raw: string, caller: CallerContext, options: EventRouteOptions): Promise<string | null> {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return JSON.stringify({ id: null, error: { code: 'bad_request', message: 'messages must be JSON' } });
  }
  const parsed = InvokeMessageSchema.safeParse(message);
  if (!parsed.success) {
    return JSON.stringify({ id: null, error: { code: 'bad_request', message: 'expected {type: "invoke", id, name, args}' } });
  }
  const { id, name, args } = parsed.data;
  try {
    if (!options.dispatcher.has(name)) {
      return JSON.stringify({ id, error: { code: 'not_found', message: `no handler named "${name}"` } });
    }
    if (options.draining() && HANDLERS[name].createsWork) throw shuttingDown();
    takeRequest(caller, options.rateLimiter);
    return JSON.stringify({ id, result: (await options.dispatcher.invoke(name, args, caller)) ?? null });
  } catch (error) {
    // No headers here to carry Retry-After: it goes in the error itself.
    const lmqError = toLmqError(error);
    const retry = lmqError.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: lmqError.retryAfterSeconds };
    return JSON.stringify({ id, error: { ...lmqError.toBody().error, ...retry } });
  }
}

/** The event's JSON as `caller` may see it: another owner's job without its metadata, unless an admin asks. */
function jsonFor(caller: CallerContext): (...args: Parameters<HubListener>) => string {
  return (event, payload, json, publicJson) => (event === 'job.updated' && !seesAllOf(payload as Job, caller) ? publicJson() : json());
}

/** The connection fields that end an event stream when its caller's token is revoked. */
function tokenEnds(caller: CallerContext, revoked: () => void): { token?: string; revoked?: () => void } {
  return caller.token ? { token: caller.token.name, revoked } : {};
}

export function registerEventRoutes(app: FastifyInstance, options: EventRouteOptions): void {
  const { hub, connections } = options;

  app.get(
    '/api/events',
    {
      config: { queryToken: true },
      schema: {
        summary: 'Server-Sent Events: job.updated, queue.changed, backend.changed',
        tags: ['events'],
        querystring: TokenQuerySchema,
      },
    },
    (request, reply) => {
      const stream = new SseStream(reply, {}, connections.streamBudget);
      stream.comment('connected');
      const view = jsonFor(callerOf(request));
      const unsubscribe = hub.subscribe((...args) => stream.event(args[0], view(...args)));
      const remove = connections.add({
        heartbeat: () => stream.comment('keepalive'),
        shutdown: () => stream.end(),
        ...tokenEnds(callerOf(request), () => {
          stream.event('error', JSON.stringify({ error: { code: 'unauthorized', message: 'the token was revoked' } }));
          stream.end();
        }),
      });
      reply.raw.on('close', () => {
        unsubscribe();
        remove();
      });
    },
  );

  app.get(
    '/api/ws',
    {
      websocket: true,
      config: { queryToken: true },
      schema: {
        summary: 'WebSocket: pushes {event, payload}; answers {type:"invoke", id, name, args} with {id, result|error}',
        tags: ['events'],
        querystring: TokenQuerySchema,
      },
    },
    (socket: WebSocket, request) => {
      const caller = callerOf(request);
      const send = (text: string) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
          socket.terminate();
          return;
        }
        socket.send(text);
      };
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        void answerInvoke(data.toString(), caller, options).then((answer) => {
          if (answer) send(answer);
        });
      });
      // The payload is serialized once per event for every client; only the envelope is per socket.
      const view = jsonFor(caller);
      const unsubscribe = hub.subscribe((...args) => send(`{"event":"${args[0]}","payload":${view(...args)}}`));
      const remove = connections.add({
        heartbeat: () => {
          if (socket.readyState === socket.OPEN) socket.ping();
        },
        shutdown: () => socket.close(1001, 'LM Queue is shutting down'),
        ...tokenEnds(caller, () => socket.close(WS_TOKEN_REVOKED, 'the token was revoked')),
      });
      socket.on('close', () => {
        unsubscribe();
        remove();
      });
    },
  );
}
