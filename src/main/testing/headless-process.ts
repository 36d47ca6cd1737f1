/**
 * The real headless server as a child process (`npm run serve`'s entry point through tsx), for
 * tests and the chaos suite that kill it, fill its disk or send it signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const HEADLESS = join(import.meta.dirname, '..', 'headless.ts');

export interface HeadlessProcess {
  url: string;
  child: ChildProcess;
  /** What it wrote to stderr so far (its pino log). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
}

export interface HeadlessProcessOptions {
  backendUrl: string;
  dataDir: string;
  /** More flags, e.g. ['--durability', 'full']. */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Runs in the child before exec (none by default); e.g. a shell wrapper's `ulimit -f`. */
  wrap?: (command: string, args: string[]) => { command: string; args: string[] };
}

/** Starts the server on a free loopback port; resolves once it says it is listening. */
export function startHeadless(options: HeadlessProcessOptions): Promise<HeadlessProcess> {
  const base = { command: process.execPath, args: ['--import', 'tsx', HEADLESS, '--host', '127.0.0.1', '--port', '0', '--backend', options.backendUrl, '--data-dir', options.dataDir, ...(options.args ?? [])] };
  const { command, args } = options.wrap ? options.wrap(base.command, base.args) : base;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LMQ_LOG_LEVEL: 'warn', ...options.env } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /LM Queue listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve({ url: match[1]!, child, stderr: () => stderr, exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

/** kill -9, and wait until it is gone. */
export async function killHard(server: HeadlessProcess): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

/** A JSON call that throws with the status and body unless it succeeded. */
export async function callJson<T>(url: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const response = await fetch(url + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}
