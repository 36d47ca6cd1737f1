import { describe, expect, it, vi } from 'vitest';
import { BridgeError } from './bridge-error';
import type { SocketHandlers } from './event-socket';
import { createHttpBridge, socketUrl } from './http-bridge';
import { parseEventMessage } from './event-socket';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function fakeSockets() {
  const opened: Array<{ url: string; handlers: SocketHandlers; close: ReturnType<typeof vi.fn> }> = [];
  const open = (url: string, handlers: SocketHandlers) => {
    const socket = { url, handlers, close: vi.fn() };
    opened.push(socket);
    return socket;
  };
  return { opened, open };
}

describe('createHttpBridge', () => {
  it('calls the invoke route with the args as body and the token as Bearer', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse(200, { id: 'j1', state: 'canceled' }));
    const bridge = createHttpBridge({ origin: 'http://10.0.0.5:1235', token: 's3cret', fetch, openSocket: fakeSockets().open });
    await expect(bridge.invoke('jobs.cancel', { id: 'j1' })).resolves.toEqual({ id: 'j1', state: 'canceled' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://10.0.0.5:1235/api/invoke/jobs.cancel');
    expect(init).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer s3cret' }, body: '{"id":"j1"}' });
  });

  it('links to a server path with the token in the query (a link cannot set a header), and follows setToken', () => {
    const bridge = createHttpBridge({ origin: 'http://10.0.0.5:1235', token: 'a b', fetch: vi.fn(), openSocket: fakeSockets().open });
    expect(bridge.linkTo('/v1/files/file-1/content')).toBe('http://10.0.0.5:1235/v1/files/file-1/content?token=a%20b');
    bridge.setToken(null);
    expect(bridge.linkTo('/v1/files/file-1/content')).toBe('http://10.0.0.5:1235/v1/files/file-1/content');
  });

  it('sends {} for a handler called with nothing', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse(200, { owner: 'local', role: 'admin', maxPriority: 9 }));
    const bridge = createHttpBridge({ origin: 'http://h', token: null, fetch, openSocket: fakeSockets().open });
    await bridge.invoke('session.whoami', undefined);
    expect(fetch.mock.calls[0]![1]).toMatchObject({ body: '{}' });
    expect(fetch.mock.calls[0]![1].headers.authorization).toBeUndefined();
  });

  it('turns {error:{code,message}} into a BridgeError with the status', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse(403, { error: { code: 'priority_not_allowed', message: 'too high' } }));
    const bridge = createHttpBridge({ origin: 'http://h', token: null, fetch, openSocket: fakeSockets().open });
    const error = await bridge.invoke('jobs.reprioritize', { id: 'j', priority: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: 'priority_not_allowed', message: 'too high', status: 403 });
  });

  it('says the server is not answering when the network fails', async () => {
    const fetch = vi.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    const bridge = createHttpBridge({ origin: 'http://h:1', token: null, fetch, openSocket: fakeSockets().open });
    await expect(bridge.invoke('backend.state', {})).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('opens one socket for all subscribers and routes events by name', () => {
    const sockets = fakeSockets();
    const bridge = createHttpBridge({ origin: 'http://h:1235', token: 'tok', fetch: vi.fn(), openSocket: sockets.open });
    const jobs = vi.fn();
    const changes = vi.fn();
    const status = vi.fn();
    bridge.onConnectionChange(status);
    const offJobs = bridge.subscribe('job.updated', jobs);
    const offChanges = bridge.subscribe('queue.changed', changes);
    expect(sockets.opened).toHaveLength(1);
    expect(sockets.opened[0]!.url).toBe('ws://h:1235/api/ws?token=tok');
    const { handlers } = sockets.opened[0]!;
    handlers.onOpen();
    handlers.onMessage('{"event":"job.updated","payload":{"id":"j1"}}');
    handlers.onMessage('{"event":"queue.changed","payload":{"version":4}}');
    handlers.onMessage('not json');
    expect(jobs).toHaveBeenCalledWith({ id: 'j1' });
    expect(changes).toHaveBeenCalledWith({ version: 4 });
    expect(status.mock.calls).toEqual([[false], [true]]);
    offJobs();
    offChanges();
    expect(sockets.opened[0]!.close).toHaveBeenCalled();
  });

  it('reconnects after the socket drops and reports the gap', async () => {
    vi.useFakeTimers();
    try {
      const sockets = fakeSockets();
      const bridge = createHttpBridge({ origin: 'http://h', token: null, fetch: vi.fn(), openSocket: sockets.open });
      const status = vi.fn();
      bridge.onConnectionChange(status);
      bridge.subscribe('backend.changed', () => {});
      sockets.opened[0]!.handlers.onOpen();
      sockets.opened[0]!.handlers.onClose();
      expect(status).toHaveBeenLastCalledWith(false);
      await vi.advanceTimersByTimeAsync(300);
      expect(sockets.opened).toHaveLength(2);
      sockets.opened[1]!.handlers.onOpen();
      expect(status).toHaveBeenLastCalledWith(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses a new token for calls and for a fresh socket', async () => {
    const sockets = fakeSockets();
    const fetch = vi.fn().mockResolvedValue(jsonResponse(200, { owner: 'bob', role: 'member', maxPriority: 5 }));
    const saved = vi.fn();
    const bridge = createHttpBridge({ origin: 'https://q.example', token: null, fetch, openSocket: sockets.open, onTokenChange: saved });
    bridge.subscribe('job.updated', () => {});
    bridge.setToken('new');
    expect(saved).toHaveBeenCalledWith('new');
    expect(sockets.opened.at(-1)!.url).toBe('wss://q.example/api/ws?token=new');
    await bridge.invoke('session.whoami', undefined);
    expect(fetch.mock.calls[0]![1].headers.authorization).toBe('Bearer new');
  });
});

describe('socketUrl and parseEventMessage', () => {
  it('builds ws URLs and accepts the server envelope', () => {
    expect(socketUrl('http://127.0.0.1:1235', null)).toBe('ws://127.0.0.1:1235/api/ws');
    expect(parseEventMessage('{"event":"backend.changed","payload":{"status":"down"}}')).toEqual({
      event: 'backend.changed',
      payload: { status: 'down' },
    });
    expect(parseEventMessage('{"id":1,"result":{}}')).toBeNull();
    expect(parseEventMessage('{"event":"nope"}')).toBeNull();
  });
});
