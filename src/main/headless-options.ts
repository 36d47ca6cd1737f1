import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Durability, Neo4jSettings } from './core/config';
import { resolveIndexRoots } from './core/indexing/index-roots';
import { DEFAULT_MAX_INDEX_JOBS } from '../shared/indexes';

export interface HeadlessOptions {
  host: string;
  port: number;
  backendUrl: string;
  /** LM Studio's API token (its "Require Authentication" setting); never logged or shown. */
  backendToken: string | null;
  dataDir: string;
  requireAuth: boolean;
  /** null: what LM Studio reports, else 4 (the engine decides). */
  maxConcurrency: number | null;
  webRoot: string | null;
  /** How long running jobs may take to finish on SIGTERM/SIGINT before they are requeued. */
  graceMs: number;
  /** Secret of the bootstrap admin token (LMQ_ADMIN_TOKEN); never logged. */
  adminToken: string | null;
  /** Browser origins allowed to call the API (CORS); empty: none. */
  corsOrigins: string[];
  /** Names besides this machine's own that the server answers to (the Host header); `*`: any. */
  allowedHosts: string[];
  /** Largest request body, in bytes (4 MiB by default). */
  maxBodyBytes: number;
  /** Largest file POST /v1/files takes, in bytes (OpenAI's 200 MB by default). */
  maxFileBytes: number;
  /** Memory LM Studio may use for loaded models, in bytes; null: the engine's default budget. */
  modelMemoryBytes: number | null;
  /** Models never unloaded to make room for another. */
  pinnedModels: string[];
  /** Folders indexing may read, as real paths; empty: indexing is off. */
  indexRoots: string[];
  /** Index jobs that run at once. */
  maxIndexJobs: number;
  /** null: human-readable when stderr is a terminal, else JSON. */
  logFormat: LogFormat | null;
  /** Mirror job records into Neo4j (LMQ_NEO4J_*); null: off. The password is never logged. */
  neo4j: Neo4jSettings | null;
  /** normal: a killed process loses nothing, a power loss or failing disk the last commits; full: an fsync per commit. */
  durability: Durability;
  help: boolean;
}

export const LOG_FORMATS = ['pretty', 'json'] as const;
export const DURABILITIES = ['normal', 'full'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Bad flags or env values: the host prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run serve -- [options]

  --host HOST             address to bind (env LMQ_HOST; default 127.0.0.1; 0.0.0.0 for the LAN)
  --port PORT             port to listen on (env LMQ_PORT; default 1235; 0 picks a free one)
  --backend URL           LM Studio base URL (env LMQ_BACKEND_URL; default http://127.0.0.1:1234)
  --backend-token TOKEN   LM Studio API token, for "Require Authentication" (env LMQ_BACKEND_TOKEN,
                          which keeps it out of the process list)
  --backend-token-file F  read that token from a file (env LMQ_BACKEND_TOKEN_FILE)
  --data-dir DIR          where the queue database lives (env LMQ_DATA_DIR; default ~/.lmqueue)
  --require-auth          loopback requests need a token too
  --max-concurrency N     requests sent to LM Studio at once (env LMQ_MAX_CONCURRENCY;
                          default: what LM Studio reports, else 4)
  --web-root DIR          web UI build to serve at / (default: dist-web, which npm run serve
                          builds when it is missing or stale)
  --grace-ms MS           on SIGTERM/SIGINT, how long running jobs may finish (default 10000)
  --cors-origin ORIGINS   web pages (comma-separated origins, or *) allowed to call the API from
                          a browser (env LMQ_CORS_ORIGINS; default none)
  --allowed-host NAMES    names this server answers to besides localhost, its own addresses and
                          the machine's name, e.g. a reverse proxy's (comma-separated, or *;
                          env LMQ_ALLOWED_HOSTS); requests with any other Host get 403
  --max-body-mb MB        largest request body, in MiB (env LMQ_MAX_BODY_MB; default 4)
  --max-file-mb MB        largest file the Files API (POST /v1/files) takes, in MB of 10^6 bytes
                          (env LMQ_MAX_FILE_MB; default 200)
  --model-memory GB       memory LM Studio may fill with loaded models, in GB of 10^9 bytes
                          (env LMQ_MODEL_MEMORY_GB; default: what is loaded at start, at least
                          the largest model)
  --pin-model ID          a model never unloaded to make room; repeat for more
                          (env LMQ_PIN_MODELS, comma-separated)
  --index-root DIR        a folder whose documents may be indexed (POST /api/indexes); repeat for
                          more (env LMQ_INDEX_ROOTS, separated by ${path.delimiter}); default none: indexing is off
  --max-index-jobs N      index jobs that run at once; the rest wait in order (env
                          LMQ_MAX_INDEX_JOBS; default 2)
  --log-format FORMAT     pretty or json (env LMQ_LOG_FORMAT; default pretty on a terminal, else json)
  --neo4j-uri URI         mirror every job's record into Neo4j, e.g. bolt://db.lan:7687 (env LMQ_NEO4J_URI;
                          default off); with --neo4j-user (env LMQ_NEO4J_USER; default neo4j),
                          --neo4j-password (env LMQ_NEO4J_PASSWORD, which keeps it out of the
                          process list) and --neo4j-database (env LMQ_NEO4J_DATABASE; default
                          the server's default database)
  --durability MODE       normal or full (env LMQ_DURABILITY; default normal): normal survives
                          a killed LM Queue; full also the last commits before a power loss or
                          a failing disk, at an fsync per commit
  --help                  show this help

Env LMQ_ADMIN_TOKEN creates (or rotates) an admin token named "admin" with that secret.`;

const DEFAULTS = {
  host: '127.0.0.1',
  port: 1235,
  backendUrl: 'http://127.0.0.1:1234',
  graceMs: 10_000,
  maxBodyMebibytes: 4,
  maxFileMegabytes: 200,
};

function integer(value: string, name: string, min: number, max: number): number {
  const trimmed = value.trim();
  const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be a URL such as http://127.0.0.1:1234, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${name} must be an http:// or https:// URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

const BYTES_PER_GB = 1e9;

function gigabytesAsBytes(value: string, name: string): number {
  const trimmed = value.trim();
  const gigabytes = /^\d*\.?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(gigabytes > 0) || !Number.isFinite(gigabytes)) {
    throw new UsageError(`${name} must be a positive number of GB such as 24 or 7.5, got "${value}"`);
  }
  return Math.round(gigabytes * BYTES_PER_GB);
}

function durability(value: string | undefined): Durability {
  if (value === undefined) return 'normal';
  const mode = value.trim().toLowerCase();
  if (!(DURABILITIES as readonly string[]).includes(mode)) throw new UsageError(`--durability must be ${DURABILITIES.join(' or ')}, got "${value}"`);
  return mode as Durability;
}

function logFormat(value: string | undefined): LogFormat | null {
  if (value === undefined) return null;
  const format = value.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--log-format must be ${LOG_FORMATS.join(' or ')}, got "${value}"`);
  }
  return format as LogFormat;
}

/** Repeated flags win over the comma-separated env var; blanks and repeats are dropped. */
function modelIds(fromFlags: readonly string[] | undefined, fromEnvVar: string | undefined): string[] {
  const ids = fromFlags && fromFlags.length > 0 ? fromFlags : (fromEnvVar?.split(',') ?? []);
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ''))];
}

/** `*`, or origins such as http://chat.lan:3000 (scheme, host, port; no path). */
function corsOrigins(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      if (origin === '*') return origin;
      let url: URL | null = null;
      try {
        url = new URL(origin);
      } catch {
        // reported below
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
        throw new UsageError(`--cors-origin takes origins such as http://chat.lan:3000 (or *), got "${origin}"`);
      }
      return url.origin;
    });
}

/** Host names or addresses (IPv6 with or without brackets), or `*`; a port or a path is a mistake. */
function allowedHosts(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
    .map((name) => {
      if (name === '*') return name;
      const bare = name.replace(/^\[(.*)\]$/, '$1');
      if (!/^[a-z0-9.-]+$/.test(bare) && !/^[0-9a-f:.]+$/.test(bare)) {
        throw new UsageError(`--allowed-host takes names or addresses such as lmq.example.com or 192.168.1.5 (no port), or *, got "${name}"`);
      }
      return bare;
    });
}

/** The token itself wins over a file naming it; the file's content is trimmed (editors add a newline). */
function backendToken(given: string | undefined, file: string | undefined, cwd: string): string | null {
  if (given !== undefined && given.trim() !== '') return given.trim();
  if (file === undefined) return null;
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, expandHome(file)), 'utf8');
  } catch (error) {
    throw new UsageError(`--backend-token-file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`--backend-token-file ${file} is empty`);
  return token;
}

const NEO4J_SCHEMES = ['bolt:', 'bolt+s:', 'bolt+ssc:', 'neo4j:', 'neo4j+s:', 'neo4j+ssc:'];

function neo4jSettings(uri: string | undefined, user: string | undefined, password: string | undefined, database: string | undefined): Neo4jSettings | null {
  if (uri === undefined) {
    if (password !== undefined || database !== undefined) throw new UsageError('--neo4j-password and --neo4j-database need --neo4j-uri');
    return null;
  }
  let scheme: string | null = null;
  try {
    scheme = new URL(uri).protocol;
  } catch {
    // reported below
  }
  if (scheme === null || !NEO4J_SCHEMES.includes(scheme)) {
    throw new UsageError(`--neo4j-uri must be a Neo4j URI such as bolt://127.0.0.1:7687 or neo4j+s://db.example.com, got "${uri}"`);
  }
  if (password === undefined) throw new UsageError('--neo4j-uri needs a password: set LMQ_NEO4J_PASSWORD (or --neo4j-password)');
  return { uri, user: user ?? 'neo4j', password, database: database ?? null };
}

/** Flags win over the env list; each root must be a folder that exists (its real path is kept). */
function indexRoots(flags: string[] | undefined, envList: string | undefined, cwd: string): string[] {
  const given = flags ?? envList?.split(path.delimiter).filter((p) => p.trim() !== '') ?? [];
  try {
    return resolveIndexRoots(given.map((dir) => path.resolve(cwd, expandHome(dir.trim()))));
  } catch (error) {
    throw new UsageError(`--index-root: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An env var set to "" counts as unset (a blank line in a .env file should not break the start). */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function expandHome(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir;
}

/** Flags win over env vars, env vars over defaults. Throws UsageError on anything invalid. */
export function parseHeadlessOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): HeadlessOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        backend: { type: 'string' },
        'backend-token': { type: 'string' },
        'backend-token-file': { type: 'string' },
        'data-dir': { type: 'string' },
        'require-auth': { type: 'boolean' },
        'max-concurrency': { type: 'string' },
        'web-root': { type: 'string' },
        'grace-ms': { type: 'string' },
        'cors-origin': { type: 'string' },
        'allowed-host': { type: 'string' },
        'max-body-mb': { type: 'string' },
        'model-memory': { type: 'string' },
        'max-file-mb': { type: 'string' },
        'pin-model': { type: 'string', multiple: true },
        'index-root': { type: 'string', multiple: true },
        'max-index-jobs': { type: 'string' },
        'log-format': { type: 'string' },
        'neo4j-uri': { type: 'string' },
        'neo4j-user': { type: 'string' },
        'neo4j-password': { type: 'string' },
        'neo4j-database': { type: 'string' },
        durability: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  const host = (values.host ?? fromEnv(env, 'LMQ_HOST') ?? DEFAULTS.host).trim();
  if (host === '') throw new UsageError('--host must not be empty');
  const portText = values.port ?? fromEnv(env, 'LMQ_PORT');
  const concurrencyText = values['max-concurrency'] ?? fromEnv(env, 'LMQ_MAX_CONCURRENCY');
  const modelMemoryText = values['model-memory'] ?? fromEnv(env, 'LMQ_MODEL_MEMORY_GB');
  const maxFileText = values['max-file-mb'] ?? fromEnv(env, 'LMQ_MAX_FILE_MB');
  const dataDir = values['data-dir'] ?? fromEnv(env, 'LMQ_DATA_DIR') ?? path.join(os.homedir(), '.lmqueue');
  const defaultWebRoot = path.join(cwd, 'dist-web');
  const webRoot = values['web-root'] ?? (existsSync(path.join(defaultWebRoot, 'index.html')) ? defaultWebRoot : null);
  if (webRoot !== null && !existsSync(webRoot)) throw new UsageError(`--web-root ${webRoot} does not exist`);

  return {
    host,
    port: portText === undefined ? DEFAULTS.port : integer(portText, '--port', 0, 65_535),
    backendUrl: httpUrl(values.backend ?? fromEnv(env, 'LMQ_BACKEND_URL') ?? DEFAULTS.backendUrl, '--backend'),
    backendToken: backendToken(values['backend-token'] ?? fromEnv(env, 'LMQ_BACKEND_TOKEN'), values['backend-token-file'] ?? fromEnv(env, 'LMQ_BACKEND_TOKEN_FILE'), cwd),
    dataDir: path.resolve(cwd, expandHome(dataDir)),
    requireAuth: values['require-auth'] ?? false,
    maxConcurrency: concurrencyText === undefined ? null : integer(concurrencyText, '--max-concurrency', 1, 1024),
    webRoot: webRoot === null ? null : path.resolve(cwd, webRoot),
    graceMs: values['grace-ms'] === undefined ? DEFAULTS.graceMs : integer(values['grace-ms'], '--grace-ms', 0, 3_600_000),
    adminToken: fromEnv(env, 'LMQ_ADMIN_TOKEN') ?? null,
    corsOrigins: corsOrigins(values['cors-origin'] ?? fromEnv(env, 'LMQ_CORS_ORIGINS')),
    allowedHosts: allowedHosts(values['allowed-host'] ?? fromEnv(env, 'LMQ_ALLOWED_HOSTS')),
    maxBodyBytes: integer(values['max-body-mb'] ?? fromEnv(env, 'LMQ_MAX_BODY_MB') ?? String(DEFAULTS.maxBodyMebibytes), '--max-body-mb', 1, 1024) * 1024 * 1024,
    maxFileBytes: (maxFileText === undefined ? DEFAULTS.maxFileMegabytes : integer(maxFileText, '--max-file-mb', 1, 100_000)) * 1_000_000,
    modelMemoryBytes: modelMemoryText === undefined ? null : gigabytesAsBytes(modelMemoryText, '--model-memory'),
    pinnedModels: modelIds(values['pin-model'], fromEnv(env, 'LMQ_PIN_MODELS')),
    indexRoots: indexRoots(values['index-root'], fromEnv(env, 'LMQ_INDEX_ROOTS'), cwd),
    maxIndexJobs: integer(values['max-index-jobs'] ?? fromEnv(env, 'LMQ_MAX_INDEX_JOBS') ?? String(DEFAULT_MAX_INDEX_JOBS), '--max-index-jobs', 1, 64),
    logFormat: logFormat(values['log-format'] ?? fromEnv(env, 'LMQ_LOG_FORMAT')),
    durability: durability(values.durability ?? fromEnv(env, 'LMQ_DURABILITY')),
    neo4j: neo4jSettings(
      values['neo4j-uri'] ?? fromEnv(env, 'LMQ_NEO4J_URI'),
      values['neo4j-user'] ?? fromEnv(env, 'LMQ_NEO4J_USER'),
      values['neo4j-password'] ?? env['LMQ_NEO4J_PASSWORD'],
      values['neo4j-database'] ?? fromEnv(env, 'LMQ_NEO4J_DATABASE'),
    ),
    help: values.help ?? false,
  };
}
