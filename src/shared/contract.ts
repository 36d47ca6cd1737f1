/**
 * The one contract that crosses every boundary: the handlers (declared per domain in
 * ./handlers) and the pushed events. IPC (preload), HTTP (invoke and REST routes), the
 * WebSocket and both renderer bridges are typed and built from these.
 */
import type { z } from 'zod';
import type { EventName, ServerEvents } from './events';
import { BATCH_HANDLERS } from './handlers/batch-handlers';
import { combineDomains, type HandlerSpec } from './handlers/handler-spec';
import { INDEX_HANDLERS } from './handlers/index-handlers';
import { JOB_HANDLERS } from './handlers/job-handlers';
import { QUEUE_HANDLERS } from './handlers/queue-handlers';
import { SCHEDULE_HANDLERS } from './handlers/schedule-handlers';
import { SESSION_HANDLERS } from './handlers/session-handlers';
import { STATS_HANDLERS } from './handlers/stats-handlers';
import { TOKEN_HANDLERS } from './handlers/token-handlers';

type HandlerSpecs = typeof SESSION_HANDLERS & typeof JOB_HANDLERS & typeof QUEUE_HANDLERS & typeof TOKEN_HANDLERS & typeof STATS_HANDLERS & typeof SCHEDULE_HANDLERS & typeof BATCH_HANDLERS & typeof INDEX_HANDLERS;

/** Every handler by name. Combined at start: a name declared by two domains throws here. */
export const HANDLERS = combineDomains<HandlerSpec>([
  ['session', SESSION_HANDLERS],
  ['jobs', JOB_HANDLERS],
  ['queue', QUEUE_HANDLERS],
  ['tokens', TOKEN_HANDLERS],
  ['stats', STATS_HANDLERS],
  ['schedules', SCHEDULE_HANDLERS],
  ['batches', BATCH_HANDLERS],
  ['indexes', INDEX_HANDLERS],
]) as HandlerSpecs;

export type HandlerName = keyof HandlerSpecs;
export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];

export function isHandlerName(name: string): name is HandlerName {
  return Object.hasOwn(HANDLERS, name);
}

type ArgsOf<N extends HandlerName> = z.input<HandlerSpecs[N]['args']>;
/** What a caller sends; handlers whose arguments are all optional may be called with nothing. */
export type HandlerArgs<N extends HandlerName> = Record<never, never> extends ArgsOf<N> ? ArgsOf<N> | undefined : ArgsOf<N>;
/** The arguments as a handler receives them, validated (priority names resolved, defaults filled). */
export type HandlerInput<N extends HandlerName> = z.output<HandlerSpecs[N]['args']>;
export type HandlerResult<N extends HandlerName> = z.output<HandlerSpecs[N]['result']>;

export { EVENT_NAMES, type EventName, type ServerEvents } from './events';

/** What the preload exposes as `window.lmq`, and what the HTTP bridge implements in a browser. */
export interface Bridge {
  invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>>;
  subscribe<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void;
}
