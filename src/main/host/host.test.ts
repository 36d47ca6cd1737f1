import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../core/engine';
import { engineConfigFrom, startHost, type HostSettings } from './host';
import { rawRequest } from '../server/testing/raw-request';

const logger = pino({ level: 'silent' });
let dataDir: string;
let blocker: Server | null = null;

function settings(overrides: Partial<HostSettings> = {}): HostSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    // Nothing listens on the discard port: LM Studio is down, which the host must not mind.
    backendUrl: 'http://127.0.0.1:9',
    backendToken: null,
    dataDir,
    requireAuth: false,
    maxConcurrency: 2,
    webRoot: null,
    adminToken: null,
    corsOrigins: [],
    allowedHosts: [],
    maxBodyBytes: 4 * 1024 * 1024,
    modelMemoryBytes: 24e9,
    pinnedModels: ['nomic-embed-text'],
    neo4j: null,
    durability: 'normal',
    ...overrides,
  };
}

async function takenPort(): Promise<number> {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

/** The data directory is locked while an engine has it open. */
async function dataDirIsFree(): Promise<boolean> {
  const engine = await createEngine({ dataDir, backend: { url: 'http://127.0.0.1:9' } });
  await engine.close({ graceMs: 0 });
  return true;
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lmq-host-'));
});
afterEach(async () => {
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = null;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('host', () => {
  it('passes the model settings on to the engine', () => {
    expect(engineConfigFrom(settings(), { logger })).toMatchObject({
      dataDir,
      backend: { url: 'http://127.0.0.1:9' },
      maxConcurrency: 2,
      modelMemoryBytes: 24e9,
      pinnedModels: ['nomic-embed-text'],
      sqliteNativeBinding: null,
    });
    expect(engineConfigFrom(settings({ durability: 'full' }), { logger }).durability).toBe('full');
  });

  it('serves until stop(), which closes the engine and the server', async () => {
    const host = await startHost(settings(), { logger });
    const health = await fetch(`${host.server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await host.stop(0)).toBe(true);
    await expect(fetch(`${host.server.url}/api/health`)).rejects.toThrow();
    expect(await dataDirIsFree()).toBe(true);
  });

  it('passes the allowed host names and the body limit on to the server', async () => {
    const host = await startHost(settings({ allowedHosts: ['lmq.example.com'], maxBodyBytes: 1024 * 1024 }), { logger });
    try {
      expect((await rawRequest(host.server.url, 'GET', '/api/health', { headers: { host: 'lmq.example.com' } })).status).toBe(200);
      expect((await rawRequest(host.server.url, 'GET', '/api/health', { headers: { host: 'other.example.com' } })).status).toBe(403);
      const big = { kind: 'chat', model: 'm', input: { prompt: 'x'.repeat(1024 * 1024) } };
      const response = await fetch(`${host.server.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(big) });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('1 MiB');
    } finally {
      await host.stop(0);
    }
  });

  it('passes the Files API upload limit on to the server', async () => {
    const host = await startHost(settings({ maxFileBytes: 1_000 }), { logger });
    try {
      const upload = (bytes: number) => {
        const form = new FormData();
        form.append('purpose', 'batch');
        form.append('file', new Blob(['x'.repeat(bytes)]), 'input.jsonl');
        return fetch(`${host.server.url}/v1/files`, { method: 'POST', body: form });
      };
      expect((await upload(1_000)).status).toBe(200);
      expect((await upload(1_001)).status).toBe(413);
    } finally {
      await host.stop(0);
    }
  });

  it('without onServerError, a port in use closes the engine and rejects', async () => {
    const port = await takenPort();
    await expect(startHost(settings({ port }), { logger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(await dataDirIsFree()).toBe(true);
  });

  it('with onServerError, a port in use is reported and the engine runs on without a server', async () => {
    const port = await takenPort();
    const onServerError = vi.fn();
    const host = await startHost(settings({ port }), { logger, onServerError });
    expect(onServerError).toHaveBeenCalledWith(expect.objectContaining({ code: 'EADDRINUSE' }));
    expect(host.server).toBeNull();
    expect(host.engine.counts()).toMatchObject({ queued: 0 });
    expect(await host.stop(0)).toBe(true);
    expect(await dataDirIsFree()).toBe(true);
  });
});
