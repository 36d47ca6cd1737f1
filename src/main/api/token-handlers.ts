import { z } from 'zod';
import type { Engine } from '../core/engine-api';
import { CreateTokenSchema } from '../../shared/tokens';
import { requireAdmin } from './caller';
import { defineHandler, NoArgsSchema, type DomainHandlers } from './handler-definition';

export const TokenNameArgsSchema = z.object({ name: z.string().min(1).max(64) }).strict();

/** Token management is admin-only: a member could otherwise mint itself an admin token. */
export function tokenHandlers(engine: Engine) {
  return {
    'tokens.create': defineHandler(CreateTokenSchema, (input, caller) => {
      requireAdmin(caller, 'create tokens');
      return engine.tokens.create(input);
    }),
    'tokens.list': defineHandler(NoArgsSchema, (_args, caller) => {
      requireAdmin(caller, 'list tokens');
      return engine.tokens.list();
    }),
    'tokens.revoke': defineHandler(TokenNameArgsSchema, ({ name }, caller) => {
      requireAdmin(caller, 'revoke tokens');
      engine.tokens.revoke(name);
      return { revoked: name };
    }),
  } satisfies DomainHandlers;
}
