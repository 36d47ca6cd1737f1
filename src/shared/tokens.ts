import { z } from 'zod';
import { PrioritySchema } from './priority';

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const CreateTokenSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._@-]+$/, 'name may contain letters, digits and . _ @ - only'),
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
