import type { Engine } from '../core/engine-api';
import { ThroughputRecorder } from '../core/stats/throughput-history';
import { HANDLER_NAMES, HANDLERS, isHandlerName, type HandlerInput, type HandlerName, type HandlerResult } from '../../shared/contract';
import { LmqError } from '../../shared/errors';
import { combineDomains } from '../../shared/handlers/handler-spec';
import { badRequestFromZod } from './api-errors';
import { requireAdmin, type CallerContext } from './caller';
import type { DomainHandlers, HandlerAnswer, HandlerRun } from './domain-handlers';
import { jobHandlers } from './job-handlers';
import { jobSeenBy, jobsSeenBy } from './job-visibility';
import { queueHandlers } from './queue-handlers';
import { batchHandlers } from './batch-handlers';
import { indexHandlers } from './index-handlers';
import { scheduleHandlers } from './schedule-handlers';
import { sessionHandlers } from './session-handlers';
import { statsHandlers } from './stats-handlers';
import { tokenHandlers } from './token-handlers';

/**
 * Runs any handler of the shared contract for a caller. Knows no transport: the HTTP routes,
 * the WebSocket invoke messages and the Electron IPC adapter all call it.
 */
export interface Dispatcher {
  /** Validates `args` with the handler's schema, checks access, runs it. Throws LmqError. */
  dispatch<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): HandlerAnswer<N>;
  /** `dispatch`, then waits until its writes are on disk: what a transport answers with. */
  invoke<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): Promise<HandlerResult<N>>;
  /** `invoke` for an edge that has validated `args` with the same schema already (HTTP). */
  invokeValidated<N extends HandlerName>(name: N, args: HandlerInput<N>, caller: CallerContext): Promise<HandlerResult<N>>;
  /** For transports that receive handler names as untrusted strings. */
  has(name: string): name is HandlerName;
  readonly names: readonly HandlerName[];
}

/** Merges domains' implementations; a name registered twice is a programming error, reported at start. */
export function combineHandlers(domains: ReadonlyArray<readonly [domain: string, handlers: DomainHandlers]>): Record<string, unknown> {
  return combineDomains<unknown>(domains);
}

/** What handlers read beyond the engine; a host that records nothing answers an empty record. */
export interface DispatcherServices {
  throughput?: ThroughputRecorder;
}

function domainsOf(engine: Engine, services: DispatcherServices = {}) {
  return [
    ['session', sessionHandlers()],
    ['jobs', jobHandlers(engine)],
    ['queue', queueHandlers(engine)],
    ['tokens', tokenHandlers(engine)],
    ['stats', statsHandlers(services.throughput ?? new ThroughputRecorder())],
    ['schedules', scheduleHandlers(engine)],
    ['batches', batchHandlers(engine)],
    ['indexes', indexHandlers(engine)],
  ] as const;
}

type KeysOfEach<T> = T extends unknown ? keyof T : never;
type Registered = KeysOfEach<ReturnType<typeof domainsOf>[number][1]>;
type AssertTrue<T extends true> = T;
/** Stops compiling when the contract gains a handler that no domain implements. */
export type EveryHandlerRegistered = AssertTrue<[Exclude<HandlerName, Registered>] extends [never] ? true : false>;

/**
 * What a member sees of other owners' jobs in the answers that show them (job-visibility.ts),
 * applied here so every transport (REST, invoke, WebSocket, IPC) answers alike.
 */
const VIEWS: { [N in HandlerName]?: (result: HandlerResult<N>, caller: CallerContext) => HandlerResult<N> } = {
  'jobs.get': (job, caller) => jobSeenBy(job, caller),
  'jobs.list': (page, caller) => ({ ...page, jobs: jobsSeenBy(page.jobs, caller) }),
  'queue.snapshot': (snapshot, caller) => ({
    ...snapshot,
    running: jobsSeenBy(snapshot.running, caller),
    queued: jobsSeenBy(snapshot.queued, caller),
    parents: jobsSeenBy(snapshot.parents, caller),
  }),
};

function implementations(engine: Engine, services: DispatcherServices): { [N in HandlerName]: HandlerRun<N> } {
  const combined = combineHandlers(domainsOf(engine, services));
  for (const name of HANDLER_NAMES) {
    if (!Object.hasOwn(combined, name)) throw new Error(`handler "${name}" is declared but no domain implements it`);
  }
  for (const name of Object.keys(combined)) {
    if (!isHandlerName(name)) throw new Error(`handler "${name}" is implemented but not declared in src/shared/handlers`);
  }
  return combined as { [N in HandlerName]: HandlerRun<N> };
}

export function createDispatcher(engine: Engine, services: DispatcherServices = {}): Dispatcher {
  const runs = implementations(engine, services);

  function run<N extends HandlerName>(name: N, args: HandlerInput<N>, caller: CallerContext): HandlerAnswer<N> {
    if (HANDLERS[name].access === 'admin') requireAdmin(caller, `call ${name}`);
    const result = (runs[name] as HandlerRun<N>)(args, caller);
    const view = VIEWS[name] as ((result: HandlerResult<N>, caller: CallerContext) => HandlerResult<N>) | undefined;
    if (!view || caller.role === 'admin') return result;
    return result instanceof Promise ? result.then((r) => view(r, caller)) : view(result, caller);
  }

  function dispatch<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): HandlerAnswer<N> {
    if (!isHandlerName(name)) throw new LmqError('not_found', `no handler named "${String(name)}"`);
    // IPC callers may pass nothing for handlers that take nothing.
    const parsed = HANDLERS[name].args.safeParse(args ?? {});
    if (!parsed.success) throw badRequestFromZod(parsed.error);
    return run(name, parsed.data as HandlerInput<N>, caller);
  }

  /**
   * A handler's writes are on disk before its answer goes out. A synchronous answer asks for the
   * commit in the same turn (an extra await first let the commit's failure slip past the caller).
   */
  async function settle<N extends HandlerName>(answer: HandlerAnswer<N>): Promise<HandlerResult<N>> {
    const result = answer instanceof Promise ? await answer : answer;
    await engine.durable();
    return result;
  }

  return {
    names: HANDLER_NAMES,
    has: isHandlerName,
    dispatch,
    async invoke<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): Promise<HandlerResult<N>> {
      return settle(dispatch(name, args, caller));
    },
    async invokeValidated<N extends HandlerName>(name: N, args: HandlerInput<N>, caller: CallerContext): Promise<HandlerResult<N>> {
      return settle(run(name, args, caller));
    },
  };
}
