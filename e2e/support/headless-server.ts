/**
 * Starts `src/main/headless.ts` (what `npm run serve` runs) in its own process with its own
 * data directory and a free port, and resolves once it prints "LM Queue listening on URL".
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from '../../tools/child-process';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_ROOT = path.join(REPO_ROOT, 'dist-web');
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');
const LISTENING = /LM Queue listening on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;

export interface HeadlessServer {
  url: string;
  dataDir: string;
  /** Everything the process wrote to stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
}

export interface HeadlessServerOptions {
  backendUrl: string;
  extraArgs?: string[];
  env?: Record<string, string>;
}

export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  if (!existsSync(path.join(WEB_ROOT, 'index.html'))) {
    throw new Error(`no web UI build in ${WEB_ROOT}: run "npm run build:web" (npm run e2e does it first)`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-e2e-'));
  const args = [
    TSX_CLI,
    'src/main/headless.ts',
    '--host', '127.0.0.1',
    '--port', '0',
    '--backend', options.backendUrl,
    '--data-dir', dataDir,
    '--web-root', WEB_ROOT,
    '--grace-ms', '500',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LMQ_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not say "LM Queue listening on" within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = LISTENING.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening\n${stderr}`));
    });
  });

  return {
    url,
    dataDir,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 2_000);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
