import { z } from 'zod';

/** The Neo4j mirror of job records, as health, metrics and the LM Studio tab show it. */
export const Neo4jMirrorStateSchema = z.object({
  uri: z.string(),
  database: z.string().nullable(),
  /** The last attempt to reach Neo4j succeeded (constraints or a batch committed). */
  connected: z.boolean(),
  /** Changes not yet committed to Neo4j: outbox rows, and the age of the oldest in seconds. */
  lag: z.object({ rows: z.number().int().nonnegative(), seconds: z.number().nonnegative() }),
  lastError: z.string().nullable(),
  /** When a batch last committed (ISO), else null. */
  lastSyncAt: z.string().nullable(),
  /** Changes committed to Neo4j since start. */
  mirroredChanges: z.number().int().nonnegative(),
  /**
   * Jobs the outbox never saw, sent in chunks: `all` when the mirror is first configured for this
   * Neo4j (the jobs already in the database), `changed` for jobs that changed while LM Queue ran
   * without the mirror. Null until the mirror has started.
   */
  backfill: z
    .object({
      state: z.enum(['running', 'done']),
      scope: z.enum(['all', 'changed']),
      /** Jobs sent to Neo4j by this backfill so far. */
      jobs: z.number().int().nonnegative(),
      /** How far through the job history it is, 0 to 1. */
      fraction: z.number().min(0).max(1),
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
    })
    .nullable(),
});
export type Neo4jMirrorState = z.infer<typeof Neo4jMirrorStateSchema>;
