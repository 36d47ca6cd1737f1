import type { Engine } from '../core/engine-api';
import type { HandlerName, HandlerResult } from '../../shared/contract';
import { LmqError } from '../../shared/errors';
import { badRequestFromZod } from './api-errors';
import type { CallerContext } from './caller';
import type { DomainHandlers, HandlerDefinition } from './handler-definition';
import { jobHandlers } from './job-handlers';
import { queueHandlers } from './queue-handlers';
import { sessionHandlers } from './session-handlers';
import { tokenHandlers } from './token-handlers';

/**
 * Runs any handler of the shared contract for a caller. Knows no transport: the HTTP routes,
 * the WebSocket invoke messages and the Electron IPC adapter all call `invoke`.
 */
export interface Dispatcher {
  /** Validates `args` with the handler's schema, checks authorization, runs it. Throws LmqError/ZodError. */
  dispatch<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): HandlerResult<N>;
  /** `dispatch`, then waits until its writes are on disk: what a transport answers with. */
  invoke<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): Promise<HandlerResult<N>>;
  /** For transports that receive handler names as untrusted strings. */
  has(name: string): name is HandlerName;
  readonly names: readonly HandlerName[];
}

/** Merges domains' handlers; a name registered twice is a programming error, reported at start. */
export function combineHandlers(
  domains: ReadonlyArray<readonly [domain: string, handlers: DomainHandlers]>,
): Map<string, HandlerDefinition> {
  const registry = new Map<string, HandlerDefinition>();
  const registeredBy = new Map<string, string>();
  for (const [domain, handlers] of domains) {
    for (const [name, definition] of Object.entries(handlers)) {
      const previous = registeredBy.get(name);
      if (previous !== undefined) {
        throw new Error(`handler "${name}" is registered twice (by ${previous} and by ${domain})`);
      }
      registeredBy.set(name, domain);
      registry.set(name, definition as HandlerDefinition);
    }
  }
  return registry;
}

function domainsOf(engine: Engine) {
  return [
    ['session', sessionHandlers()],
    ['jobs', jobHandlers(engine)],
    ['queue', queueHandlers(engine)],
    ['tokens', tokenHandlers(engine)],
  ] as const;
}

type KeysOfEach<T> = T extends unknown ? keyof T : never;
type Registered = KeysOfEach<ReturnType<typeof domainsOf>[number][1]>;
type AssertTrue<T extends true> = T;
/** Stops compiling when the contract gains a handler that no domain registers. */
export type EveryHandlerRegistered = AssertTrue<[Exclude<HandlerName, Registered>] extends [never] ? true : false>;

export function createDispatcher(engine: Engine): Dispatcher {
  const registry = combineHandlers(domainsOf(engine));
  const names = [...registry.keys()] as HandlerName[];
  return {
    names,
    has: (name: string): name is HandlerName => registry.has(name),
    dispatch<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): HandlerResult<N> {
      const definition = registry.get(name);
      if (!definition) throw new LmqError('not_found', `no handler named "${String(name)}"`);
      // IPC callers may pass nothing for handlers that take nothing.
      const parsed = definition.schema.safeParse(args ?? {});
      if (!parsed.success) throw badRequestFromZod(parsed.error);
      return definition.run(parsed.data, caller) as HandlerResult<N>;
    },
    async invoke<N extends HandlerName>(name: N, args: unknown, caller: CallerContext): Promise<HandlerResult<N>> {
      const result = this.dispatch(name, args, caller);
      await engine.durable();
      return result;
    },
  };
}
