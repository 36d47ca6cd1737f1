/**
 * A throwaway redis-server for the BullMQ comparison: loopback only, a free port, no RDB or AOF
 * persistence (BullMQ's fastest setting), stopped when the bench is done.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { commandOnPath, ensureAptPackage } from '../../scripts/apt-package.mjs';
import { waitForExit } from '../../tools/child-process';

export interface RedisServer {
  port: number;
  version: string;
  stop(): Promise<void>;
}

/**
 * Whether redis-server can run: on PATH, or just installed with apt-get (when root). Otherwise
 * this logs the command to install it and answers false, so the caller can skip the comparison.
 */
export function ensureRedisServer(log: (line: string) => void, searchPath = process.env.PATH): boolean {
  return ensureAptPackage({ pkg: 'redis-server', isPresent: () => commandOnPath('redis-server', searchPath), label: 'bullmq', log });
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(binary = 'redis-server', startTimeoutMs = 10_000): Promise<RedisServer> {
  const port = await freeLoopbackPort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A bench that crashes must not leave a Redis behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  const version = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`redis-server did not start within ${startTimeoutMs} ms`), startTimeoutMs);
    const fail = (message: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}\n${output.slice(-2000)}`));
    };
    const onError = (error: Error): void => fail(`cannot run ${binary} (apt-get install -y redis-server): ${error.message}`);
    const onEarlyExit = (code: number | null): void => fail(`redis-server exited early (code ${code})`);
    child.once('error', onError);
    child.once('exit', onEarlyExit);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.off('error', onError);
        resolve(/version=(\d[\d.]*)/.exec(output)?.[1] ?? 'unknown');
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  return {
    port,
    version,
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
}
