/**
 * Test wiring for the server: the real engine and LM Studio client in front of the simulator,
 * on port 0 with an in-memory store, plus an admin and a member token.
 */
import { startSimulator, type Simulator, type SimulatorInput } from '../../../../tools/lmstudio-sim/simulator';
import type { Backend, BackendRequest } from '../../core/backend';
import type { EngineConfig } from '../../core/config';
import { createEngine } from '../../core/engine';
import type { Engine } from '../../core/engine-api';
import { createLmStudioClient, type LmStudioClientOptions } from '../../core/lmstudio/client';
import type { CreateTokenInput } from '../../../shared/tokens';
import { startServer, type RunningServer, type ServerOptions } from '../server';

export interface HttpHarness {
  sim: Simulator;
  engine: Engine;
  server: RunningServer;
  url: string;
  /** Bodies as the engine handed them to the LM Studio client. */
  forwarded: BackendRequest[];
  adminToken: string;
  memberToken: string;
  /** Issues another token through the engine (bypassing HTTP). */
  token(input: CreateTokenInput): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sim?: SimulatorInput;
  engine?: Partial<EngineConfig>;
  server?: Partial<Omit<ServerOptions, 'engine'>>;
  /** The LM Studio client's own settings (its API token, a counting fetch, the reconnect pace). */
  client?: Partial<Omit<LmStudioClientOptions, 'baseUrl'>>;
}

const TIMEOUTS = { firstTokenMs: 30_000, idleMs: 30_000, totalMs: 120_000 };

export async function startHttpHarness(options: HarnessOptions = {}): Promise<HttpHarness> {
  const sim = await startSimulator({ port: 0, timeScale: 0.01, loadSeconds: 0.5, ...options.sim });
  const client = createLmStudioClient({ baseUrl: sim.url, maxConcurrency: null, timeouts: TIMEOUTS, refreshIntervalMs: 10_000, ...options.client });
  const forwarded: BackendRequest[] = [];
  // Delegates everything, and records what was forwarded (to check `priority` was stripped).
  const backend: Backend = {
    run: (request, callbacks) => {
      forwarded.push(request);
      return client.run(request, callbacks);
    },
    loadModel: (model, signal) => client.loadModel(model, signal),
    unloadModel: (model, signal) => client.unloadModel(model, signal),
    state: () => client.state(),
    subscribe: (listener) => client.subscribe(listener),
    refresh: () => client.refresh(),
    readThrough: (path) => client.readThrough!(path),
    close: () => client.close(),
  };
  await backend.refresh();
  const engine = await createEngine({ dataDir: null, backend, retryBaseMs: 10, retryMaxMs: 50, timeouts: TIMEOUTS, ...options.engine });
  const server = await startServer({ engine, port: 0, heartbeatMs: 200, ...options.server });
  const token = (input: CreateTokenInput) => engine.tokens.create(input).token;
  return {
    sim,
    engine,
    server,
    url: server.url,
    forwarded,
    adminToken: token({ name: 'test-admin', role: 'admin' }),
    memberToken: token({ name: 'member', role: 'member' }),
    token,
    async close() {
      await server.close();
      await engine.close({ graceMs: 0 });
      await sim.close();
    },
  };
}

/** Response bodies in tests are checked by assertions, not by types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** fetch against the harness with an optional bearer token and JSON body. */
export async function call(
  harness: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: JsonBody }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(harness.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (metrics, HTML): keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export const CHAT = { model: 'sim-model-a', messages: [{ role: 'user' as const, content: 'Say something' }], max_tokens: 12 };
