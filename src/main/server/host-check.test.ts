import type os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostPolicy, hostnameOf, isLoopbackName, mayActAsLocalUser } from './host-check';
import { startHttpHarness, type HttpHarness } from './testing/http-harness';
import { openRawSocket, rawRequest } from './testing/raw-request';

const ATTACKER = 'attacker.example:1235';
const CREATE_ADMIN = JSON.stringify({ name: 'x', role: 'admin' });
const json = { 'content-type': 'application/json' };

describe('Host and Origin, as parsed', () => {
  it('reads the name of a Host header without port, brackets or trailing dot', () => {
    expect(hostnameOf('127.0.0.1:1235')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:1235')).toBe('::1');
    expect(hostnameOf('LocalHost.')).toBe('localhost');
    expect(hostnameOf('attacker.example:1235')).toBe('attacker.example');
    expect(hostnameOf('attacker.example@127.0.0.1')).toBeNull();
    expect(hostnameOf('')).toBeNull();
    expect(hostnameOf(undefined)).toBeNull();
  });

  it('knows loopback names', () => {
    for (const name of ['localhost', '127.0.0.1', '127.1.2.3', '::1']) expect(isLoopbackName(name)).toBe(true);
    for (const name of ['localhost.attacker.example', '0.0.0.0', '192.168.1.5', '127.0.0.1.nip.io']) expect(isLoopbackName(name)).toBe(false);
  });

  it('lets only a loopback Host with no page, or its own page, act as the local user', () => {
    expect(mayActAsLocalUser('127.0.0.1:1235', undefined)).toBe(true);
    expect(mayActAsLocalUser('localhost:1235', 'http://localhost:1235')).toBe(true);
    expect(mayActAsLocalUser('[::1]:1235', 'http://[::1]:1235')).toBe(true);
    expect(mayActAsLocalUser(ATTACKER, undefined)).toBe(false);
    expect(mayActAsLocalUser('127.0.0.1:1235', 'http://attacker.example:1235')).toBe(false);
    // Another local page (another port) is another origin.
    expect(mayActAsLocalUser('127.0.0.1:1235', 'http://127.0.0.1:5173')).toBe(false);
    expect(mayActAsLocalUser('127.0.0.1:1235', 'null')).toBe(false);
  });
});

describe('HostPolicy', () => {
  const interfaces = () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: '192.168.1.5', family: 'IPv4', internal: false },
      { address: 'fe80::1%eth0', family: 'IPv6', internal: false },
    ],
  }) as unknown as ReturnType<typeof os.networkInterfaces>;
  const hostname = () => 'studio-box.lan';

  it('on loopback answers to loopback names, the machine names and the allow-list only', () => {
    const policy = new HostPolicy({ bindHost: '127.0.0.1', allowedHosts: ['lmq.example.com'], interfaces, hostname });
    for (const host of ['127.0.0.1:1235', 'localhost', '[::1]:1', 'studio-box', 'studio-box.lan:1235', 'studio-box.local', 'LMQ.example.com']) {
      expect(policy.allows(host), host).toBe(true);
    }
    for (const host of [ATTACKER, '192.168.1.5:1235', undefined, '']) expect(policy.allows(host), String(host)).toBe(false);
  });

  it('bound to all interfaces answers to every interface address too', () => {
    const policy = new HostPolicy({ bindHost: '0.0.0.0', interfaces, hostname });
    expect(policy.allows('192.168.1.5:1235')).toBe(true);
    expect(policy.allows('[fe80::1]:1235')).toBe(true);
    expect(policy.allows(ATTACKER)).toBe(false);
  });

  it('bound to one address answers to it', () => {
    const policy = new HostPolicy({ bindHost: '10.0.0.7', interfaces, hostname });
    expect(policy.allows('10.0.0.7:1235')).toBe(true);
    expect(policy.allows('192.168.1.5:1235')).toBe(false);
  });

  it('reads the interfaces again on a miss, at most every few seconds', () => {
    let now = 0;
    let addresses = interfaces();
    const policy = new HostPolicy({ bindHost: '0.0.0.0', interfaces: () => addresses, hostname, now: () => now });
    addresses = { ...addresses, wg0: [{ address: '10.8.0.2', family: 'IPv4', internal: false }] } as unknown as typeof addresses;
    expect(policy.allows('10.8.0.2')).toBe(false);
    now += 10_000;
    expect(policy.allows('10.8.0.2')).toBe(true);
  });

  it('answers to anything with *', () => {
    expect(new HostPolicy({ bindHost: '127.0.0.1', allowedHosts: ['*'], interfaces, hostname }).allows(ATTACKER)).toBe(true);
  });
});

// Each of these got the local admin on the code before this check (the curl got a 201 with an admin secret).
describe('DNS rebinding and foreign pages, over HTTP (loopback bind, no --require-auth)', () => {
  let h: HttpHarness;
  let port: number;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { allowedHosts: ['lmq.proxy.example'] } });
    port = h.server.port;
  });
  afterAll(() => h.close());

  it('refuses a foreign Host with 403 forbidden_host saying what to configure, and creates nothing', async () => {
    const response = await rawRequest(h.url, 'POST', '/api/tokens', {
      headers: { ...json, host: ATTACKER, origin: `http://${ATTACKER}` },
      body: CREATE_ADMIN,
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden_host');
    expect(response.body.error.message).toContain('--allowed-host attacker.example');
    expect(response.body.error.message).toContain('LMQ_ALLOWED_HOSTS');
    expect(h.engine.tokens.list().map((t) => t.name)).not.toContain('x');
    // The web UI, health and docs too: a rebound page reads nothing.
    for (const path of ['/', '/api/health', '/docs/json']) {
      expect((await rawRequest(h.url, 'GET', path, { headers: { host: ATTACKER } })).status, path).toBe(403);
    }
  });

  it('refuses a page from another origin acting as the local user, even on a loopback Host', async () => {
    const response = await rawRequest(h.url, 'POST', '/api/tokens', {
      headers: { ...json, host: `127.0.0.1:${port}`, origin: 'http://attacker.example' },
      body: CREATE_ADMIN,
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden_origin');
    expect(response.body.error.message).toContain('send a token');
    // With a token it is that token's request, wherever the page is (CORS decides what it may read).
    const withToken = await rawRequest(h.url, 'GET', '/api/me', {
      headers: { host: `127.0.0.1:${port}`, origin: 'http://attacker.example', authorization: `Bearer ${h.memberToken}` },
    });
    expect(withToken.body).toMatchObject({ owner: 'member' });
  });

  it('still trusts the UI served here (same origin) and plain clients on loopback', async () => {
    const sameOrigin = await rawRequest(h.url, 'POST', '/api/tokens', {
      headers: { ...json, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ name: 'from-ui' }),
    });
    expect(sameOrigin.status).toBe(201);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
      expect((await rawRequest(h.url, 'GET', '/api/me', { headers: { host } })).body, host).toMatchObject({ owner: 'local', role: 'admin' });
    }
  });

  it('answers an allowed name, but only with a token', async () => {
    const anonymous = await rawRequest(h.url, 'GET', '/api/me', { headers: { host: 'lmq.proxy.example' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toContain('only requests to localhost, 127.0.0.1 or [::1]');
    const member = await rawRequest(h.url, 'GET', '/api/me', { headers: { host: 'lmq.proxy.example', authorization: `Bearer ${h.memberToken}` } });
    expect(member.body).toMatchObject({ owner: 'member' });
  });

  it('refuses the WebSocket upgrade from a foreign Host or a foreign page', async () => {
    const ws = `${h.url.replace('http', 'ws')}/api/ws`;
    expect(await openRawSocket(ws, { host: ATTACKER, origin: `http://${ATTACKER}` })).toMatchObject({ refused: 403 });
    const foreignPage = await openRawSocket(ws, { host: `127.0.0.1:${port}`, origin: 'http://attacker.example' });
    expect(foreignPage).toMatchObject({ refused: 403 });
    expect((foreignPage as { body: string }).body).toContain('forbidden_origin');
    const ownPage = await openRawSocket(ws, { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
    expect(ownPage).toHaveProperty('socket');
    if ('socket' in ownPage) ownPage.socket.close();
  });
});
