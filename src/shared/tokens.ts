import { z } from 'zod';
import { PrioritySchema } from './priority';

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Names no token may take, in any case: `local` is the owner of this machine's own requests
 * (the desktop app, loopback without a token), `admin` the bootstrap token (LMQ_ADMIN_TOKEN).
 */
export const RESERVED_TOKEN_NAMES = ['local', 'admin'] as const;

export function isReservedTokenName(name: string): boolean {
  return (RESERVED_TOKEN_NAMES as readonly string[]).includes(name.toLowerCase());
}

export const CreateTokenSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._@-]+$/, 'name may contain letters, digits and . _ @ - only')
      .refine(
        (name) => !isReservedTokenName(name),
        'name may not be "local" or "admin" in any case: "local" owns this machine\'s own requests and "admin" is the LMQ_ADMIN_TOKEN token',
      ),
    role: z.enum(ROLES).default('member'),
    maxPriority: PrioritySchema.optional(),
    requestsPerMinute: z.number().int().positive().max(100_000).nullable().optional(),
    maxQueued: z.number().int().positive().max(1_000_000).nullable().optional(),
  })
  .strict();
export type CreateTokenInput = z.input<typeof CreateTokenSchema>;

export const TokenInfoSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  maxPriority: z.number().int(),
  requestsPerMinute: z.number().int().nullable(),
  maxQueued: z.number().int().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

/** What a request needs to know about its token: who, which role, which limits. */
export type TokenIdentity = Readonly<Pick<TokenInfo, 'name' | 'role' | 'maxPriority' | 'requestsPerMinute' | 'maxQueued'>>;

/** Returned once, at creation: the only time the secret is visible. */
export const CreatedTokenSchema = TokenInfoSchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export const CallerSchema = z.object({
  owner: z.string(),
  role: z.enum(ROLES),
  maxPriority: z.number().int(),
});
export type Caller = z.infer<typeof CallerSchema>;
