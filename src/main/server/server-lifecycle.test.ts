import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { lanUrls, localUrl } from './lan-urls';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } };

describe('health, metrics, docs and the web UI', () => {
  let h: HttpHarness;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = mkdtempSync(path.join(os.tmpdir(), 'lmq-web-'));
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>LM Queue</title>');
    writeFileSync(path.join(webRoot, 'app.js'), 'console.log(1)');
    h = await startHttpHarness({ server: { webRoot, version: '9.9.9' } });
  });
  afterAll(async () => {
    await h.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('reports health', async () => {
    expect((await call(h, 'GET', '/api/health')).body).toEqual({
      ok: true,
      version: '9.9.9',
      backend: { status: 'up', reachable: true, loadedModel: expect.anything(), lastError: null, since: expect.any(String) },
      neo4j: null,
      storage: { status: 'ok', message: null, since: expect.any(String), unsavedResults: 0 },
    });
  });

  it('exposes Prometheus metrics that follow the jobs', async () => {
    const { job } = (await call(h, 'POST', '/api/jobs', { body: SUBMIT })).body;
    await vi.waitFor(() => expect(h.engine.get(job.id).state).toBe('succeeded'), SERVER_WAIT);
    // job.updated events are coalesced (a few per second), so the counters follow shortly after.
    const text = await vi.waitFor(async () => {
      const metrics = await call(h, 'GET', '/metrics');
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(metrics.body).toContain('lmq_jobs_finished_total{');
      return metrics.body as string;
    }, SERVER_WAIT);
    expect(text).toMatch(/lmq_queue_depth\{lane="interactive"\} 0/);
    expect(text).toMatch(/lmq_jobs_finished_total\{state="succeeded",kind="chat"\} [1-9]/);
    expect(text).toMatch(/lmq_job_wait_seconds_count\{lane="interactive"\} [1-9]/);
    expect(text).toMatch(/lmq_backend_up 1/);
    expect(text).toContain('lmq_generation_tokens_per_second');
  });

  it('reports queue depth by lane and priority', async () => {
    h.engine.setPaused(true);
    const { job } = (await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, priority: 'high', lane: 'batch' } })).body;
    const text = (await call(h, 'GET', '/metrics')).body as string;
    h.engine.cancel(job.id);
    h.engine.setPaused(false);
    expect(text).toMatch(/lmq_queue_depth\{lane="batch"\} 1/);
    expect(text).toMatch(/lmq_queue_depth_by_priority\{priority="7"\} 1/);
    expect(text).toMatch(/lmq_queue_depth_by_priority\{priority="5"\} 0/);
  });

  it('documents the API from the zod schemas', async () => {
    const spec = (await call(h, 'GET', '/docs/json')).body;
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{id}', '/v1/chat/completions', '/api/tokens']));
    const submitBody = spec.paths['/api/jobs'].post.requestBody.content['application/json'].schema;
    expect(submitBody.properties).toHaveProperty('kind');
    expect((await fetch(`${h.url}/docs`)).status).toBe(200);
  });

  it('serves the web UI with a single-page fallback, but never for API paths', async () => {
    const index = await fetch(`${h.url}/`);
    expect(await index.text()).toContain('<title>LM Queue</title>');
    expect(await (await fetch(`${h.url}/queue/job_123`)).text()).toContain('<title>LM Queue</title>');
    expect(await (await fetch(`${h.url}/app.js`)).text()).toBe('console.log(1)');
    expect(await call(h, 'GET', '/api/unknown')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(h, 'GET', '/v1/unknown')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('sends the UI\'s pages with a strict Content-Security-Policy, and the API without it', async () => {
    for (const page of ['/', '/queue/job_123', '/app.js']) {
      const response = await fetch(`${h.url}${page}`);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const api = await fetch(`${h.url}/api/health`);
    expect(api.headers.get('content-security-policy')).toBeNull();
  });
});

describe('shutdown', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('stops taking work, then ends streams, sockets and waiting requests', async () => {
    h.engine.setPaused(true);
    const events = await fetch(`${h.url}/api/events`);
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws`);
    await new Promise((resolve) => socket.once('open', resolve));
    const socketClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const waiting = call(h, 'POST', '/v1/chat/completions', { body: CHAT });
    const streaming = fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...CHAT, stream: true }),
    });
    await vi.waitFor(() => expect(h.engine.counts().queued).toBe(2), SERVER_WAIT);

    h.server.stopAccepting();
    const refused = await call(h, 'POST', '/api/jobs', { body: SUBMIT });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'shutting_down' } } });
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await call(h, 'POST', '/v1/embeddings', { body: { model: 'text-embedding-sim', input: 'x' } })).status).toBe(503);
    expect((await call(h, 'GET', '/api/queue')).status).toBe(200);

    const streamText = (await streaming).text();
    await h.server.close();
    expect(await events.text()).toContain(': connected');
    expect(await socketClosed).toBe(1001);
    const answered = await waiting;
    expect(answered).toMatchObject({ status: 503, body: { error: { code: 'shutting_down' } } });
    expect(await streamText).toContain('"shutting_down"');
    // Their jobs stay queued for the next start: the server went away, not the clients.
    expect(h.engine.counts().queued).toBe(2);
    const jobId = answered.headers.get('x-lmq-job-id')!;
    expect(h.engine.get(jobId).state).toBe('queued');
  });
});

describe('lanUrls', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: '192.168.1.20', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
    ],
    wlan0: [{ address: '10.0.0.5', family: 'IPv4', internal: false }],
  } as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;

  it('lists every LAN IPv4 when bound to all interfaces, none on loopback', () => {
    expect(lanUrls('0.0.0.0', 1235, interfaces)).toEqual(['http://192.168.1.20:1235', 'http://10.0.0.5:1235']);
    expect(lanUrls('127.0.0.1', 1235, interfaces)).toEqual([]);
    expect(lanUrls('localhost', 1235, interfaces)).toEqual([]);
    expect(lanUrls('192.168.1.20', 1235, interfaces)).toEqual(['http://192.168.1.20:1235']);
  });

  it('gives a local URL that works from this machine', () => {
    expect(localUrl('0.0.0.0', 80)).toBe('http://127.0.0.1:80');
    expect(localUrl('::', 80)).toBe('http://[::1]:80');
    expect(localUrl('192.168.1.20', 80)).toBe('http://192.168.1.20:80');
  });
});
