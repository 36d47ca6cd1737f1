/**
 * LM Studio's SDKs connect one WebSocket per namespace under their base URL
 * (`new LMStudioClient({ baseUrl: "ws://HOST:1235" })` opens `/llm`, `/embedding`, `/system`
 * as it needs them). These routes sit outside the header-auth scope: the SDK sends no header,
 * its first message carries the token (see lmstudio-sdk/sdk-caller.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Engine } from '../../core/engine-api';
import type { LiveConnections } from '../live-connections';
import type { RateLimiter } from '../rate-limiter';
import { SdkSession } from '../lmstudio-sdk/sdk-session';

export interface LmStudioSdkRouteOptions {
  engine: Engine;
  connections: LiveConnections;
  rateLimiter: RateLimiter;
  requireAuth: boolean;
  draining: () => boolean;
}

/** Every namespace the SDK knows; those LM Queue does not carry answer each call with an error that says so. */
const NAMESPACES = ['llm', 'embedding', 'system', 'diagnostics', 'files', 'repository', 'plugins', 'runtime'] as const;

export function registerLmStudioSdkRoutes(app: FastifyInstance, options: LmStudioSdkRouteOptions): void {
  const sessionOptions = { ...options, tokens: options.engine.tokens };
  for (const namespace of NAMESPACES) {
    app.get(
      `/${namespace}`,
      { websocket: true, schema: { summary: `LM Studio SDK WebSocket (${namespace}); the token goes in the SDK's clientPasskey`, tags: ['lmstudio-sdk'] } },
      (socket: WebSocket, request) => void new SdkSession(socket, request, namespace, sessionOptions),
    );
  }
}
