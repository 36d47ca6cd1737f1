import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyCors from '@fastify/cors';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createDispatcher, type Dispatcher } from '../api/dispatcher';
import type { Engine } from '../core/engine-api';
import { recordEngineThroughput, ThroughputRecorder } from '../core/stats/throughput-history';
import { prepareTokens, requireCaller } from './auth';
export { ADMIN_TOKEN_NAME } from './auth';
import { registerDrainingGuard, type ServerPhase } from './draining';
import { answerClientError, registerErrorHandling, registerJsonParser } from './error-handling';
import { EventHub } from './event-hub';
import { HostPolicy, registerHostCheck } from './host-check';
import { lanUrls, localUrl } from './lan-urls';
import { LiveConnections } from './live-connections';
import { createMetrics } from './metrics';
import { RateLimiter } from './rate-limiter';
import { StreamBudget } from './stream-budget';
import { registerApiRoutes } from './routes/api-routes';
import { registerEventRoutes } from './routes/event-routes';
import { registerAnthropicRoutes } from './routes/anthropic-routes';
import { registerLmStudioNativeRoutes } from './routes/lmstudio-native-routes';
import { registerLmStudioSdkRoutes } from './routes/lmstudio-sdk-routes';
import { registerOpenAiBatchRoutes } from './routes/openai-batch-routes';
import { registerOpenAiRoutes } from './routes/openai-routes';
import { registerResponsesRoutes } from './routes/responses-routes';
import { registerHealthRoute, registerMetricsRoute } from './routes/system-routes';
import { LMQ_VERSION } from './version';
import { registerWebUi } from './web-ui';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 1235;
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export interface ServerOptions {
  engine: Engine;
  /** Loopback unless the host asks for a LAN address or 0.0.0.0. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback requests need a token too. */
  requireAuth?: boolean;
  /** Secret of the bootstrap admin token (named `admin`); null/undefined leaves tokens alone. */
  adminToken?: string | null;
  logger?: Logger;
  /** The web UI build to serve at `/`. */
  webRoot?: string | null;
  /** Largest request body in bytes (default 4 MiB). */
  bodyLimit?: number;
  /** How often streams get a keepalive (and queued streams their position); default 10 s. */
  heartbeatMs?: number;
  /** Reported by /api/health; default: package.json's. */
  version?: string;
  /**
   * Web origins allowed to call the API from a browser page they serve (CORS), e.g.
   * `http://chat.lan:3000`; `*` allows any. Default none: only the UI served here (same origin).
   */
  corsOrigins?: readonly string[];
  /** Largest file POST /v1/files takes, in bytes (default 200 MB). */
  maxFileBytes?: number;
  /**
   * Names (or addresses) besides this machine's own that the server answers to in the Host
   * header, e.g. a reverse proxy's `lmq.example.com`; `*` answers to any. Others get 403.
   */
  allowedHosts?: readonly string[];
  /** Unsent bytes a job or event stream may hold (each, and all together) before a client that does not read is dropped. */
  streamBudget?: { perStreamBytes: number; totalBytes: number };
}

/** Headers a cross-origin page may read back (any it sends are allowed: the OpenAI SDK sends many). */
const CORS_EXPOSED_HEADERS = ['x-lmq-job-id', 'retry-after'];

export interface RunningServer {
  /** The URL this machine uses to reach the server. */
  url: string;
  /** The URLs teammates use (empty when bound to loopback). */
  lanUrls: string[];
  port: number;
  /** The dispatcher behind the routes, for hosts that add another transport (IPC). */
  dispatcher: Dispatcher;
  /** Stop taking new work (503 shutting_down); reads, cancels and running streams go on. */
  stopAccepting(): void;
  /** Stop listening, end event streams and sockets, answer requests still waiting with 503. */
  close(): Promise<void>;
}

/** Fastify's listen message would go to the host's log; the host prints its own line. */
function quietLogger(logger: Logger | undefined): Logger | undefined {
  if (!logger) return undefined;
  return logger.child({ component: 'server' }, { level: logger.isLevelEnabled('debug') ? logger.level : 'warn' });
}

async function buildApp(options: ServerOptions, parts: ServerParts): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const logger = quietLogger(options.logger);
  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit,
    // Requests carry tokens and prompts; nothing of them is logged unless something fails.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    // The draining guard answers during close, in our error shape.
    return503OnClosing: false,
    // close() first ends streams and answers waiting requests itself; whatever is left (idle
    // keep-alive sockets, half-closed aborted streams) is destroyed rather than waited for.
    forceCloseConnections: true,
    // What Node refuses before Fastify sees it (headers too large) leaves in our error shape too.
    clientErrorHandler: answerClientError,
    // Errors raised before routing (a malformed URL) skip the error handler; same JSON shape here.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ error: { code: 'bad_request', message: error.message } });
    },
  });
  // Requests are validated here, once, with the zod schemas their routes declare.
  app.setValidatorCompiler(validatorCompiler);
  // Answers are ours, not the client's: their schemas document them (the contract test checks
  // them) rather than being checked again on every response.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandling(app, logger, bodyLimit);
  registerJsonParser(app, bodyLimit);
  // First of all hooks: a page behind a foreign name (DNS rebinding) gets nothing, not even a preflight.
  registerHostCheck(app, new HostPolicy({ bindHost: options.host ?? DEFAULT_HOST, allowedHosts: options.allowedHosts }));
  if (options.corsOrigins?.length) {
    // Before auth: a preflight carries no token. It reveals nothing; the real request still needs one.
    await app.register(fastifyCors, {
      origin: options.corsOrigins.includes('*') ? true : [...options.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'LM Queue', description: 'One LM Studio, shared through a priority queue', version: parts.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: bodyLimit } });

  registerDrainingGuard(app, parts.phase);
  const { engine, hub, connections, dispatcher, metrics, rateLimiter } = parts;
  registerHealthRoute(app, { engine, version: parts.version });
  // LM Studio's SDKs authenticate in their first message, not a header: outside the auth scope.
  registerLmStudioSdkRoutes(app, { engine, connections, rateLimiter, requireAuth: options.requireAuth ?? false, draining: () => parts.phase() !== 'serving' });
  // Everything that reads or changes the queue, behind the auth hook this plugin owns.
  await app.register(async (scope) => {
    requireCaller(scope, { tokens: engine.tokens, requireAuth: options.requireAuth ?? false, rateLimiter });
    const draining = () => parts.phase() !== 'serving';
    registerMetricsRoute(scope, { metrics });
    registerOpenAiRoutes(scope, { engine, hub, connections });
    registerResponsesRoutes(scope, { engine, hub, connections });
    await registerOpenAiBatchRoutes(scope, { engine, maxFileBytes: options.maxFileBytes });
    await registerAnthropicRoutes(scope, { engine, hub, connections });
    await registerLmStudioNativeRoutes(scope, { engine, hub, connections });
    registerApiRoutes(scope, { dispatcher });
    registerEventRoutes(scope, { hub, connections, dispatcher, draining, rateLimiter });
  });
  await registerWebUi(app, options.webRoot);
  return app;
}

interface ServerParts {
  engine: Engine;
  hub: EventHub;
  connections: LiveConnections;
  rateLimiter: RateLimiter;
  dispatcher: Dispatcher;
  metrics: ReturnType<typeof createMetrics>;
  phase: () => ServerPhase;
  version: string;
}

/** Starts the LAN server in front of `engine`. Prints nothing: the host decides what to say. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  prepareTokens(options.engine.tokens, options.adminToken, options.logger);
  let phase: ServerPhase = 'serving';
  const hub = new EventHub(options.engine, (error) => options.logger?.warn({ err: error }, 'event listener failed'));
  // The LM Studio tab's last hour is kept here, so a page opened now sees it too.
  const throughput = new ThroughputRecorder();
  const stopRecording = recordEngineThroughput(options.engine, throughput);
  const parts: ServerParts = {
    engine: options.engine,
    hub,
    connections: new LiveConnections(
      options.heartbeatMs ?? 10_000,
      new StreamBudget(options.streamBudget?.perStreamBytes, options.streamBudget?.totalBytes),
    ),
    rateLimiter: new RateLimiter(),
    dispatcher: createDispatcher(options.engine, { throughput }),
    metrics: createMetrics(options.engine, hub),
    phase: () => phase,
    version: options.version ?? LMQ_VERSION,
  };
  // A revoked token's event streams end at once; its queued work stays (it was accepted).
  const stopRevoking = options.engine.tokens.onRevoked((name) => parts.connections.revokeToken(name));
  const release = () => {
    stopRevoking();
    stopRecording();
    parts.connections.shutdownAll();
    parts.metrics.close();
    hub.close();
  };
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp(options, parts);
    await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    release();
    await app?.close();
    throw error;
  }
  const listening = app;
  const port = (listening.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: localUrl(host, port),
    lanUrls: lanUrls(host, port),
    port,
    dispatcher: parts.dispatcher,
    stopAccepting: () => {
      if (phase === 'serving') phase = 'draining';
    },
    close: () => {
      closing ??= (async () => {
        phase = 'closing';
        release();
        await listening.close();
      })();
      return closing;
    },
  };
}
