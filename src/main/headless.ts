/**
 * LM Queue without Electron: `npm run serve -- --host 127.0.0.1 --port 1235 --backend URL --data-dir DIR`.
 * Starts the same engine and LAN server the desktop app runs (host/host.ts). Logs (pino) go to
 * stderr; stdout carries only the lines people and scripts wait for, and on a terminal a banner.
 */
import type pino from 'pino';
import { isLmqError } from '../shared/errors';
import { describeStorageFailure, storageStatusOf } from './core/store/storage-health';
import { parseHeadlessOptions, USAGE, UsageError, type HeadlessOptions } from './headless-options';
import { startHost, type Host } from './host/host';
import { createHostLogger } from './host/host-logger';
import { listeningLines, settledBackend, startupBanner } from './host/startup-banner';
import { httpUrl } from './server/lan-urls';
import type { RunningServer } from './server/server';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
/** How long the banner waits for LM Studio's first answer before it says "checking". */
const BANNER_BACKEND_WAIT_MS = 3_000;

/** A log pipe that goes away (a closed terminal, a dead `tee`) must not take the queue down with it. */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

function fail(message: string, code: number, usage = false): never {
  process.stderr.write(`lmqueue: ${message}\n${usage ? `\n${USAGE}\n` : ''}`);
  process.exit(code);
}

function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

async function announce(options: HeadlessOptions, { engine, server }: Host & { server: RunningServer }, logger: pino.Logger): Promise<void> {
  printLines(listeningLines(httpUrl(options.host, server.port), server.lanUrls));
  if (process.stdout.isTTY) {
    const backend = await settledBackend(engine, BANNER_BACKEND_WAIT_MS);
    printLines(startupBanner({ url: server.url, webUi: options.webRoot !== null, backend, dataDir: options.dataDir, requireAuth: options.requireAuth }));
  }
  const { host, backendUrl: backend, dataDir, requireAuth, modelMemoryBytes, pinnedModels } = options;
  logger.info({ host, port: server.port, backend, dataDir, requireAuth, modelMemoryBytes, pinnedModels }, 'started');
  if (options.webRoot === null) {
    logger.warn('serving no web UI at /: dist-web/index.html is missing; build it with `npm run build:web` (or pass --web-root DIR)');
  }
}

function stopOnSignals(host: Host, graceMs: number, logger: pino.Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now": skip the grace period.
      logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal, graceMs }, 'shutting down: finishing running jobs, requeueing the rest');
    const stopped = await host.stop(graceMs);
    if (stopped) logger.info('stopped');
    process.exit(stopped ? 0 : EXIT_FAILURE);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

async function main(): Promise<void> {
  let options: HeadlessOptions;
  try {
    options = parseHeadlessOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message, EXIT_USAGE, true);
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  ignoreBrokenPipes();
  const logger = createHostLogger({ format: options.logFormat, level: process.env.LMQ_LOG_LEVEL });
  let host: Host & { server: RunningServer };
  try {
    host = await startHost(options, { logger });
  } catch (error) {
    if (isLmqError(error) && error.code === 'bad_request') fail(`LMQ_ADMIN_TOKEN: ${error.message}`, EXIT_USAGE);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${options.port} on ${options.host} is already in use`, EXIT_FAILURE);
    if (code === 'EADDRNOTAVAIL') fail(`${options.host} is not an address of this machine`, EXIT_FAILURE);
    const storage = storageStatusOf(error);
    if (storage) fail(`${describeStorageFailure(storage, options.dataDir, error)}; LM Queue needs to write its database there`, EXIT_FAILURE);
    fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
  stopOnSignals(host, options.graceMs, logger);
  await announce(options, host, logger);
}

main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error), EXIT_FAILURE));
