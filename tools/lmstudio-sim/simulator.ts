/**
 * An LM Studio stand-in for tests, benchmarks and demos: the same endpoints and shapes, a GPU
 * holding several model instances under a memory budget, each with parallel slots, fault
 * injection, and a record of everything it served.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './fault-injector';
import { BadJsonError, errorBody, readJsonBody, sendJson } from './http-io';
import { handleInference, INFERENCE_ENDPOINTS, type InferenceEndpoint } from './inference-routes';
import { getOpenAiModel, getV0Model, listOpenAiModels, listV0Models, listV1Models, loadModel, unloadModel } from './management-routes';
import { ModelHost, type InstanceView } from './model-host';
import { resolveOptions, type Injection, type SimulatorInput, type SimulatorOptions } from './options';
import { attachSdkSockets } from './sdk-socket';
import { SimRecorder, type SimRecord } from './sim-record';
import { createContext, type SimContext } from './sim-context';
import { createRandom } from './text-generator';

export type { InstanceView, LoadedBy } from './model-host';
export type { Injection, SimModelInput, SimulatorInput, SimulatorOptions } from './options';
export type {
  ConcurrencySample,
  CutOffRecord,
  LoadRecord,
  ModelSwitchRecord,
  RequestRecord,
  SimRecord,
  UnloadRecord,
} from './sim-record';

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly options: SimulatorOptions;
  /** A snapshot of what was served so far. */
  readonly record: SimRecord;
  /** The most recently loaded model (null: nothing loaded). */
  readonly loadedModel: string | null;
  /** Every loaded instance, in load order. */
  readonly loadedInstances: InstanceView[];
  /** Bytes taken by loaded instances and the one loading. */
  readonly memoryInUseBytes: number;
  readonly isDown: boolean;
  resetRecord(): void;
  /** Queues faults for the next inference requests (adds to what is pending). */
  inject(injection: Injection): void;
  clearInjections(): void;
  /** Turns "Require Authentication" on with this token (null: off), as changing LM Studio's setting does. */
  setApiToken(token: string | null): void;
  /**
   * true: stop listening and drop every connection (clients see refused/reset);
   * false: listen again on the same port.
   */
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulator(input: SimulatorInput = {}): Promise<Simulator> {
  const options = resolveOptions(input);
  const recorder = new SimRecorder();
  const host = new ModelHost(options, recorder);
  // Faults draw from their own generator so injecting them does not change generated content.
  const faults = new FaultInjector(options.faults, createRandom(options.seed ^ 0x5eed));
  faults.inject(options.inject);
  const ctx = createContext(options, { host, recorder, faults });

  const server = createServer((req, res) => {
    route(ctx, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendJson(res, 500, errorBody(`Simulator error: ${message}`, { type: 'server_error' }));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;

  await listen(server, options.port, options.host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let down = false;
  let closed = false;
  // LM Studio's SDKs (WebSocket), served through the HTTP endpoints above.
  const sdkSockets = attachSdkSockets(server, ctx, () => url);

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      sdkSockets.dropClients();
    });

  return {
    url,
    port,
    options,
    get record() {
      return recorder.snapshot();
    },
    get loadedModel() {
      return host.loadedModel;
    },
    get loadedInstances() {
      return host.instances();
    },
    get memoryInUseBytes() {
      return host.memoryInUse();
    },
    get isDown() {
      return down;
    },
    resetRecord: () => resetRecord(ctx),
    inject: (injection) => faults.inject(injection),
    clearInjections: () => faults.clear(),
    setApiToken: (token) => {
      options.apiToken = token;
    },
    async setDown(value) {
      if (closed || value === down) return;
      down = value;
      if (value) await stopListening();
      else await listen(server, port, options.host);
    },
    async close() {
      if (closed) return;
      closed = true;
      host.shutdown();
      sdkSockets.detach();
      if (!down) await stopListening();
    },
  };
}

async function route(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://sim').pathname.replace(/\/+$/, '') || '/';
  const key = `${method} ${path}`;
  const { apis } = ctx.options;
  const isSimControl = path.startsWith('/__sim/');
  if (!isSimControl && ctx.options.apiToken !== null && req.headers.authorization !== `Bearer ${ctx.options.apiToken}`) {
    req.resume();
    const message = req.headers.authorization === undefined ? 'This server requires an API token. Provide it in the Authorization header.' : 'Invalid API token.';
    return sendJson(res, 401, errorBody(message, { code: 'invalid_api_key' }));
  }

  if (method === 'GET' && path === '/v1/models') return listOpenAiModels(ctx, res);
  if (method === 'GET' && path.startsWith('/v1/models/')) return getOpenAiModel(ctx, res, decodeURIComponent(path.slice('/v1/models/'.length)));
  if (method === 'GET' && path === '/api/v0/models' && apis.v0) return listV0Models(ctx, res);
  if (method === 'GET' && path.startsWith('/api/v0/models/') && apis.v0) return getV0Model(ctx, res, decodeURIComponent(path.slice('/api/v0/models/'.length)));
  if (method === 'GET' && path === '/api/v1/models' && apis.v1) return listV1Models(ctx, res);
  if (method === 'GET' && path === '/__sim/record') return sendJson(res, 200, ctx.recorder.snapshot());
  if (method === 'DELETE' && path === '/__sim/record') {
    resetRecord(ctx);
    return sendJson(res, 200, { ok: true });
  }
  if (method === 'DELETE' && path === '/__sim/inject') {
    ctx.faults.clear();
    return sendJson(res, 200, { pending: ctx.faults.describe() });
  }

  const inference = INFERENCE_ENDPOINTS.filter((endpoint) => (endpoint.startsWith('/api/v0/') ? apis.v0 : endpoint.startsWith('/api/v1/') ? apis.v1 : true));
  const bodyRoutes = new Set([
    ...inference.map((endpoint) => `POST ${endpoint}`),
    'POST /__sim/inject',
    ...(apis.v1 ? ['POST /api/v1/models/load', 'POST /api/v1/models/unload'] : []),
  ]);
  if (!bodyRoutes.has(key)) {
    // LM Studio answers unknown routes with HTTP 200 and a string error ("Returning 200 anyway").
    req.resume();
    return sendJson(res, 200, { error: `Unexpected endpoint or method. (${method} ${path})` });
  }

  let body: Record<string, unknown>;
  try {
    body = await readJsonBody(req);
  } catch (error) {
    if (error instanceof BadJsonError) return sendJson(res, 400, errorBody(error.message));
    throw error;
  }
  if ((INFERENCE_ENDPOINTS as readonly string[]).includes(path)) return handleInference(ctx, path as InferenceEndpoint, req, res, body);
  switch (path) {
    case '/api/v1/models/load':
      return loadModel(ctx, req, res, body);
    case '/api/v1/models/unload':
      return unloadModel(ctx, req, res, body);
    case '/__sim/inject':
      ctx.faults.inject(body as Injection);
      return sendJson(res, 200, { pending: ctx.faults.describe() });
  }
}

/** A fresh record that starts from what is loaded now (its first sample and maxMemoryBytes). */
function resetRecord(ctx: SimContext): void {
  ctx.recorder.reset();
  ctx.host.sample();
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
