/**
 * What both hosts (headless.ts and the desktop app) run: one engine on the data directory and
 * the LAN server in front of it, started and stopped in the same order. No electron here: the
 * desktop app adds its window, tray and IPC around this.
 */
import type { Logger } from 'pino';
import type { EngineConfig } from '../core/config';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import type { HeadlessOptions } from '../headless-options';
import { startServer, type RunningServer } from '../server/server';

/** The settings a host reads from flags or LMQ_* env vars (see headless-options.ts). */
export type HostSettings = Pick<
  HeadlessOptions,
  | 'host'
  | 'port'
  | 'backendUrl'
  | 'backendToken'
  | 'dataDir'
  | 'requireAuth'
  | 'maxConcurrency'
  | 'webRoot'
  | 'adminToken'
  | 'corsOrigins'
  | 'modelMemoryBytes'
  | 'pinnedModels'
  | 'neo4j'
  | 'durability'
> &
  // Optional: the server's defaults (this machine's names only; 4 MiB) serve a host that leaves them out.
  Partial<Pick<HeadlessOptions, 'allowedHosts' | 'maxBodyBytes' | 'maxFileBytes' | 'indexRoots' | 'maxIndexJobs'>>;

export interface HostOptions {
  logger: Logger;
  /** better-sqlite3 addon built for Electron's ABI; null: Node's own. */
  sqliteNativeBinding?: string | null;
  /**
   * Without it, a LAN server that cannot start (port in use, bad address) closes the engine and
   * rejects. With it, the error goes here and the host runs on without a server.
   */
  onServerError?: (error: unknown) => void;
}

export interface Host {
  engine: Engine;
  /** null only when onServerError took a start failure. */
  server: RunningServer | null;
  /**
   * Stops taking work, lets running jobs finish within graceMs, requeues the rest, then closes
   * the server. Every step runs even if one before it failed; false if any did (each is logged).
   */
  stop(graceMs: number): Promise<boolean>;
}

export function engineConfigFrom(settings: HostSettings, options: HostOptions): EngineConfig {
  return {
    dataDir: settings.dataDir,
    backend: { url: settings.backendUrl, apiToken: settings.backendToken },
    maxConcurrency: settings.maxConcurrency,
    modelMemoryBytes: settings.modelMemoryBytes,
    pinnedModels: settings.pinnedModels,
    indexRoots: settings.indexRoots ?? [],
    maxIndexJobs: settings.maxIndexJobs,
    neo4j: settings.neo4j,
    durability: settings.durability,
    logger: options.logger.child({ component: 'engine' }),
    sqliteNativeBinding: options.sqliteNativeBinding ?? null,
  };
}

export function startHost(settings: HostSettings, options: HostOptions & { onServerError?: undefined }): Promise<Host & { server: RunningServer }>;
export function startHost(settings: HostSettings, options: HostOptions): Promise<Host>;
export async function startHost(settings: HostSettings, options: HostOptions): Promise<Host> {
  const { logger } = options;
  const engine = await createEngine(engineConfigFrom(settings, options));
  let server: RunningServer | null = null;
  try {
    server = await startServer({
      engine,
      host: settings.host,
      port: settings.port,
      requireAuth: settings.requireAuth,
      adminToken: settings.adminToken,
      corsOrigins: settings.corsOrigins,
      allowedHosts: settings.allowedHosts,
      bodyLimit: settings.maxBodyBytes,
      maxFileBytes: settings.maxFileBytes,
      logger,
      webRoot: settings.webRoot,
    });
  } catch (error) {
    if (!options.onServerError) {
      await engine.close({ graceMs: 0 });
      throw error;
    }
    options.onServerError(error);
  }

  const stop = async (graceMs: number): Promise<boolean> => {
    let ok = true;
    const step = async (what: string, run: () => Promise<void> | void) => {
      try {
        await run();
      } catch (error) {
        ok = false;
        logger.error({ err: error }, `${what} failed`);
      }
    };
    // New work is refused first, so nothing arrives that the engine would only requeue.
    await step('stop accepting', () => server?.stopAccepting());
    await step('engine close', () => engine.close({ graceMs }));
    await step('server close', () => server?.close());
    return ok;
  };
  return { engine, server, stop };
}
