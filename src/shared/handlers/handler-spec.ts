/**
 * How a handler of the contract is declared: once, here in src/shared, and every transport
 * (IPC, HTTP invoke, REST, WebSocket) and both renderer bridges are derived from it.
 */
import { z } from 'zod';

/** `member`: any caller with a token (admins too). `admin`: admins only. Owner checks are the handler's own. */
export type Access = 'member' | 'admin';

export interface HandlerSpec<A extends z.ZodObject = z.ZodObject, R extends z.ZodType = z.ZodType> {
  /** The arguments, validated once at each transport's edge. An object, so HTTP can split it into path, query and body. */
  readonly args: A;
  /** What it answers: types the bridges, documents the HTTP routes. */
  readonly result: R;
  readonly access: Access;
  /** It queues work: refused while the host drains for shutdown. */
  readonly createsWork: boolean;
  /** One line for the API docs. */
  readonly summary: string;
}

export function handlerSpec<A extends z.ZodObject, R extends z.ZodType>(spec: {
  args: A;
  result: R;
  summary: string;
  access?: Access;
  createsWork?: boolean;
}): HandlerSpec<A, R> {
  return { access: 'member', createsWork: false, ...spec };
}

/** For handlers that take nothing. */
export const NoArgsSchema = z.object({}).strict();

/**
 * Merges what several domains register under handler names; a name registered twice is a
 * programming error, reported at start.
 */
export function combineDomains<T>(domains: ReadonlyArray<readonly [domain: string, entries: Readonly<Record<string, T>>]>): Record<string, T> {
  const combined: Record<string, T> = {};
  const registeredBy = new Map<string, string>();
  for (const [domain, entries] of domains) {
    for (const [name, entry] of Object.entries(entries)) {
      const previous = registeredBy.get(name);
      if (previous !== undefined) throw new Error(`handler "${name}" is registered twice (by ${previous} and by ${domain})`);
      registeredBy.set(name, domain);
      combined[name] = entry;
    }
  }
  return combined;
}
