/**
 * LM Queue without Electron: `npm run serve -- --host 127.0.0.1 --port 1235 --backend URL --data-dir DIR`.
 * Starts the same engine and LAN server the desktop app runs. Logs (pino) go to stderr; stdout
 * carries only the lines people and scripts wait for.
 */
import pino from 'pino';
import { createEngine } from './core/engine';
import type { Engine } from './core/engine-api';
import { isLmqError } from '../shared/errors';
import { parseHeadlessOptions, USAGE, UsageError, type HeadlessOptions } from './headless-options';
import { httpUrl } from './server/lan-urls';
import { startServer, type RunningServer } from './server/server';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function createLogger(): pino.Logger {
  return pino(
    {
      name: 'lmqueue',
      level: process.env.LMQ_LOG_LEVEL ?? 'info',
      // Belt and braces: nothing we log carries a secret, but a future field might.
      redact: { paths: ['token', '*.token', 'adminToken', '*.adminToken', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    process.stderr,
  );
}

/** A log pipe that goes away (a closed terminal, a dead `tee`) must not take the queue down with it. */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

function fail(message: string, code: number, usage = false): never {
  process.stderr.write(`lmqueue: ${message}\n${usage ? `\n${USAGE}\n` : ''}`);
  process.exit(code);
}

async function start(options: HeadlessOptions, logger: pino.Logger): Promise<{ engine: Engine; server: RunningServer }> {
  const engine = await createEngine({
    dataDir: options.dataDir,
    backend: { url: options.backendUrl },
    maxConcurrency: options.maxConcurrency,
    logger: logger.child({ component: 'engine' }),
  });
  try {
    const server = await startServer({
      engine,
      host: options.host,
      port: options.port,
      requireAuth: options.requireAuth,
      adminToken: options.adminToken,
      corsOrigins: options.corsOrigins,
      logger,
      webRoot: options.webRoot,
    });
    return { engine, server };
  } catch (error) {
    await engine.close({ graceMs: 0 });
    throw error;
  }
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
  const logger = createLogger();
  let running: { engine: Engine; server: RunningServer };
  try {
    running = await start(options, logger);
  } catch (error) {
    if (isLmqError(error) && error.code === 'bad_request') fail(`LMQ_ADMIN_TOKEN: ${error.message}`, EXIT_USAGE);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${options.port} on ${options.host} is already in use`, EXIT_FAILURE);
    if (code === 'EADDRNOTAVAIL') fail(`${options.host} is not an address of this machine`, EXIT_FAILURE);
    fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
  const { engine, server } = running;

  process.stdout.write(`LM Queue listening on ${httpUrl(options.host, server.port)}\n`);
  for (const url of server.lanUrls) process.stdout.write(`Share with your team: ${url}\n`);
  logger.info(
    { host: options.host, port: server.port, backend: options.backendUrl, dataDir: options.dataDir, requireAuth: options.requireAuth },
    'started',
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now": skip the grace period.
      logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal, graceMs: options.graceMs }, 'shutting down: finishing running jobs, requeueing the rest');
    try {
      server.stopAccepting();
      await engine.close({ graceMs: options.graceMs });
      await server.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(EXIT_FAILURE);
    }
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error), EXIT_FAILURE));
