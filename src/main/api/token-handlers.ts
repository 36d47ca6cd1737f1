import type { Engine } from '../core/engine-api';
import type { DomainHandlers } from './domain-handlers';

/** Admins only (declared in shared/handlers/token-handlers.ts; the dispatcher checks it). */
export function tokenHandlers(engine: Engine) {
  return {
    'tokens.create': (input) => engine.tokens.create(input),
    'tokens.list': () => engine.tokens.list(),
    'tokens.revoke': ({ name }) => {
      engine.tokens.revoke(name);
      return { revoked: name };
    },
  } satisfies DomainHandlers;
}
