import pino from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from '../headless-options';

export interface HostLoggerOptions {
  /** null: pretty when stderr is a terminal, else JSON (for log collectors and pipes). */
  format: LogFormat | null;
  level?: string;
  /** Where lines go; default stderr, so stdout keeps only the lines people and scripts wait for. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
}

export function resolveLogFormat(format: LogFormat | null, stream: { isTTY?: boolean }): LogFormat {
  return format ?? (stream.isTTY ? 'pretty' : 'json');
}

export function createHostLogger(options: HostLoggerOptions): pino.Logger {
  const stream = options.stream ?? process.stderr;
  const settings: pino.LoggerOptions = {
    name: 'lmqueue',
    level: options.level ?? 'info',
    // Belt and braces: nothing we log carries a secret, but a future field might.
    redact: { paths: ['token', '*.token', 'adminToken', '*.adminToken', 'authorization', '*.authorization'], censor: '[redacted]' },
  };
  if (resolveLogFormat(options.format, stream) === 'json') return pino(settings, stream);
  // In this thread and synchronous, so the last lines before process.exit are not lost.
  const destination = pretty({
    destination: stream,
    sync: true,
    colorize: Boolean(stream.isTTY),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return pino(settings, destination);
}
