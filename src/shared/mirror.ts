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
});
export type Neo4jMirrorState = z.infer<typeof Neo4jMirrorStateSchema>;
