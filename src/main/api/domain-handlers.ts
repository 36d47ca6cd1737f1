import type { HandlerInput, HandlerName, HandlerResult } from '../../shared/contract';
import type { CallerContext } from './caller';

/**
 * What a handler does with its validated arguments. Its declaration (schema, result, access,
 * whether it creates work) is in src/shared/handlers; this is only the implementation.
 */
export type HandlerRun<N extends HandlerName> = (args: HandlerInput<N>, caller: CallerContext) => HandlerResult<N>;

/** What a domain file registers: the implementations of some handlers of the contract. */
export type DomainHandlers = { readonly [N in HandlerName]?: HandlerRun<N> };
