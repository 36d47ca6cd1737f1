import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine } from '../../core/engine-api';
import { BACKEND_STATUSES } from '../../../shared/backend';
import { Neo4jMirrorStateSchema } from '../../../shared/mirror';
import type { ServerMetrics } from '../metrics';

const HealthSchema = z.object({
  ok: z.boolean(),
  version: z.string(),
  backend: z.object({ status: z.enum(BACKEND_STATUSES), loadedModel: z.string().nullable() }),
  /** The Neo4j mirror of job records (null when not configured); where it is, is not public. */
  neo4j: Neo4jMirrorStateSchema.pick({ connected: true, lag: true, lastError: true, lastSyncAt: true, backfill: true }).nullable(),
});

export interface SystemRouteOptions {
  engine: Engine;
  metrics: ServerMetrics;
  version: string;
}

/** Public, for load balancers and uptime checks; `ok` is about LM Queue itself, LM Studio is reported apart. */
export function registerHealthRoute(app: FastifyInstance, { engine, version }: Omit<SystemRouteOptions, 'metrics'>): void {
  app.get(
    '/api/health',
    { schema: { summary: 'Liveness, version and LM Studio status', tags: ['system'], response: { 200: HealthSchema } } },
    () => {
      const backend = engine.backend();
      const neo4j = backend.neo4j ?? null;
      return {
        ok: true,
        version,
        backend: { status: backend.status, loadedModel: backend.loadedModel },
        neo4j: neo4j && { connected: neo4j.connected, lag: neo4j.lag, lastError: neo4j.lastError, lastSyncAt: neo4j.lastSyncAt, backfill: neo4j.backfill },
      };
    },
  );
}

export function registerMetricsRoute(app: FastifyInstance, { metrics }: Pick<SystemRouteOptions, 'metrics'>): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['system'] } }, (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.render();
  });
}
