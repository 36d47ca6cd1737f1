import { z } from 'zod';
import type { HandlerName, HandlerResult } from '../../shared/contract';
import type { CallerContext } from './caller';

/** One handler: the schema its args must pass, and what it does with the parsed args. */
export interface HandlerDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly schema: S;
  readonly run: (args: z.output<S>, caller: CallerContext) => R;
}

/** What a domain file registers: some of the shared handler names, each with its own result type. */
export type DomainHandlers = {
  readonly [N in HandlerName]?: HandlerDefinition<z.ZodType, HandlerResult<N>>;
};

export function defineHandler<S extends z.ZodType, R>(
  schema: S,
  run: (args: z.output<S>, caller: CallerContext) => R,
): HandlerDefinition<S, R> {
  return { schema, run };
}

/** For handlers that take nothing (`Record<string, never>` in the contract). */
export const NoArgsSchema = z.object({}).strict();
