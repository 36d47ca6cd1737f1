import type { HandlerInput, HandlerName, HandlerResult } from '../../shared/contract';
import type { CallerContext } from './caller';

/**
 * What a handler does with its validated arguments. Its declaration (schema, result, access,
 * whether it creates work) is in src/shared/handlers; this is only the implementation.
 */
export type HandlerRun<N extends HandlerName> = (args: HandlerInput<N>, caller: CallerContext) => HandlerAnswer<N>;

/** Most handlers answer at once; one that waits for work (a search's query embedding) answers a promise. */
export type HandlerAnswer<N extends HandlerName> = HandlerResult<N> | Promise<HandlerResult<N>>;

/** What a domain file registers: the implementations of some handlers of the contract. */
export type DomainHandlers = { readonly [N in HandlerName]?: HandlerRun<N> };
