import { z } from 'zod';
import { CreatedTokenSchema, CreateTokenSchema, TokenInfoSchema } from '../tokens';
import { handlerSpec, NoArgsSchema } from './handler-spec';

export const TokenNameArgsSchema = z.object({ name: z.string().min(1).max(64) }).strict();

/** Token management is admin-only: a member could otherwise mint itself an admin token. */
export const TOKEN_HANDLERS = {
  'tokens.create': handlerSpec({
    args: CreateTokenSchema,
    result: CreatedTokenSchema,
    access: 'admin',
    summary: 'Create a token (admin); the secret is in this answer only',
  }),
  'tokens.list': handlerSpec({ args: NoArgsSchema, result: z.array(TokenInfoSchema), access: 'admin', summary: 'List tokens (admin)' }),
  'tokens.revoke': handlerSpec({
    args: TokenNameArgsSchema,
    result: z.object({ revoked: z.string() }),
    access: 'admin',
    summary: 'Revoke a token (admin)',
  }),
};
