import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../core/engine-api';
import { BACKEND_STATUSES, StorageStateSchema, type BackendState, type StorageState } from '../../../shared/backend';
import { Neo4jMirrorStateSchema } from '../../../shared/mirror';
import type { ServerMetrics } from '../metrics';

const HealthSchema = z.object({
  /** LM Queue itself answers (liveness); whether LM Studio does is `backend.reachable`. */
  ok: z.boolean(),
  version: z.string(),
  backend: z.object({
    status: z.enum(BACKEND_STATUSES),
    /** LM Studio answered our last look at it, taken for this answer when the last one is older than a few seconds. */
    reachable: z.boolean(),
    /** null while LM Studio is not reachable: what it had loaded before is not known to be there. */
    loadedModel: z.string().nullable(),
    lastError: z.string().nullable(),
    /** When status last changed (ISO). */
    since: z.string(),
  }),
  /** The Neo4j mirror of job records (null when not configured); where it is, is not public. */
  neo4j: Neo4jMirrorStateSchema.pick({ connected: true, lag: true, lastError: true, lastSyncAt: true, backfill: true }).nullable(),
  /** Whether the data directory takes writes; while not, new work gets 503 storage_*. */
  storage: StorageStateSchema.omit({ path: true }),
});

export interface SystemRouteOptions {
  engine: Engine;
  metrics: ServerMetrics;
  version: string;
}

/** A health answer looks at LM Studio itself when the last look is older than this. */
const HEALTH_LOOK_AFTER_MS = 2_000;
/** ...and waits at most this long for it (LM Studio hanging is then still "up" until the look times out). */
const HEALTH_LOOK_WAIT_MS = 1_500;

/**
 * The backend's state, looked at afresh when the last look is old: the client looks every 10 s
 * while idle, so without this a health check right after LM Studio stopped would say "up".
 */
function freshBackend(engine: Engine): () => Promise<BackendState> {
  let lookedAt = 0;
  return async () => {
    if (Date.now() - lookedAt >= HEALTH_LOOK_AFTER_MS) {
      lookedAt = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, HEALTH_LOOK_WAIT_MS)));
      await Promise.race([engine.checkBackend().catch(() => undefined), waited]);
      clearTimeout(timer);
    }
    return engine.backend();
  };
}

/** Public, for load balancers and uptime checks; `ok` is about LM Queue itself, LM Studio is reported apart. */
export function registerHealthRoute(app: FastifyInstance, { engine, version }: Omit<SystemRouteOptions, 'metrics'>): void {
  const backendNow = freshBackend(engine);
  app.get(
    '/api/health',
    { schema: { summary: 'Liveness, version and LM Studio status', tags: ['system'], response: { 200: HealthSchema } } },
    async () => {
      const backend = await backendNow();
      const neo4j = backend.neo4j ?? null;
      const reachable = backend.status === 'up';
      return {
        ok: true,
        version,
        backend: {
          status: backend.status,
          reachable,
          loadedModel: reachable ? backend.loadedModel : null,
          lastError: backend.lastError,
          since: backend.since,
        },
        neo4j: neo4j && { connected: neo4j.connected, lag: neo4j.lag, lastError: neo4j.lastError, lastSyncAt: neo4j.lastSyncAt, backfill: neo4j.backfill },
        storage: storageHealth(backend.storage),
      };
    },
  );
}

/** Public: the state, not where the data lives (the message names the path only to signed-in callers). */
function storageHealth(storage: StorageState | undefined): Omit<StorageState, 'path'> {
  if (!storage) return { status: 'ok', message: null, since: new Date(0).toISOString(), unsavedResults: 0 };
  return { status: storage.status, message: storage.status === 'ok' ? null : storage.message!.replace(storage.path, 'the database'), since: storage.since, unsavedResults: storage.unsavedResults };
}

export function registerMetricsRoute(app: FastifyInstance, { metrics }: Pick<SystemRouteOptions, 'metrics'>): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['system'] } }, (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.render();
  });
}
