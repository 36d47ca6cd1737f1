import { z } from 'zod';

export const BACKEND_STATUSES = ['unknown', 'up', 'down'] as const;

export const ModelInfoSchema = z.object({
  id: z.string(),
  type: z.string().nullable(),
  loaded: z.boolean(),
  /** Parallel slots of the loaded instance, when LM Studio reports it. */
  parallel: z.number().int().positive().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

/** What we know about LM Studio right now. */
export const BackendStateSchema = z.object({
  url: z.string(),
  status: z.enum(BACKEND_STATUSES),
  loadedModel: z.string().nullable(),
  /** Slots we dispatch into: the configured limit, else what LM Studio reports, else the default. */
  slots: z.number().int().positive(),
  models: z.array(ModelInfoSchema),
  lastError: z.string().nullable(),
  /** When status last changed (ISO). */
  since: z.string(),
  /** When the next reconnect attempt happens while down (ISO), else null. */
  retryAt: z.string().nullable(),
});
export type BackendState = z.infer<typeof BackendStateSchema>;
