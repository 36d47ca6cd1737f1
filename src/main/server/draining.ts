import type { FastifyInstance } from 'fastify';
import { LmqError } from '../../shared/errors';

/** Clients may come back once the host has restarted. */
const RETRY_AFTER_SHUTDOWN_SECONDS = 5;

export function shuttingDown(): LmqError {
  return new LmqError('shutting_down', 'LM Queue is shutting down; try again shortly', {
    retryAfterSeconds: RETRY_AFTER_SHUTDOWN_SECONDS,
  });
}

/** serving → draining (no new work; reads, cancels, running streams go on) → closing (nothing). */
export type ServerPhase = 'serving' | 'draining' | 'closing';

/**
 * Refuses new work while draining and everything while closing, as JSON 503s with Retry-After
 * (rather than Fastify's own closing response, or a 500 from an engine already closed).
 */
export function registerDrainingGuard(app: FastifyInstance, phase: () => ServerPhase): void {
  // Callback hooks, not async ones: an async hook costs every request a promise and a turn.
  app.addHook('onRequest', (_request, _reply, done) => {
    done(phase() === 'closing' ? shuttingDown() : undefined);
  });
  app.addHook('preHandler', (request, _reply, done) => {
    done(request.routeOptions.config.createsWork && phase() !== 'serving' ? shuttingDown() : undefined);
  });
}
