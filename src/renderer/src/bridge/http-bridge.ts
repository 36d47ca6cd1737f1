/**
 * The browser's bridge: every handler over the server's generic invoke route
 * (`POST /api/invoke/<name>`, the args as the JSON body, the result as the answer), pushed
 * events over one WebSocket (`GET /api/ws`), the token sent as Bearer (and as `?token=` for the
 * socket, which cannot carry headers).
 */
import type { EventName, HandlerArgs, HandlerName, HandlerResult, ServerEvents } from '../../../shared/contract';
import type { AppBridge } from './app-bridge';
import { BridgeError, errorFromBody } from './bridge-error';
import { EventSocket, type OpenSocket } from './event-socket';

export interface HttpBridgeOptions {
  /** The server's origin, e.g. http://192.168.1.5:1235. */
  origin: string;
  token: string | null;
  fetch: typeof fetch;
  openSocket: OpenSocket;
  /** Called when the user switches token, so it outlives a reload. */
  onTokenChange?: (token: string | null) => void;
}

type AnyListener = (payload: unknown) => void;

export function invokeUrl(origin: string, name: HandlerName): string {
  return new URL(`/api/invoke/${encodeURIComponent(name)}`, origin).toString();
}

export function socketUrl(origin: string, token: string | null): string {
  const url = new URL('/api/ws', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

export function createHttpBridge(options: HttpBridgeOptions): AppBridge {
  let token = options.token;
  let connected = false;
  const listeners = new Map<EventName, Set<AnyListener>>();
  const statusListeners = new Set<(connected: boolean) => void>();

  const setConnected = (value: boolean): void => {
    if (value === connected) return;
    connected = value;
    for (const listener of statusListeners) listener(value);
  };

  const makeSocket = (): EventSocket =>
    new EventSocket({
      url: socketUrl(options.origin, token),
      open: options.openSocket,
      onStatus: setConnected,
      onEvent: (event, payload) => {
        for (const listener of listeners.get(event) ?? []) listener(payload);
      },
    });
  let socket = makeSocket();

  const subscriberCount = (): number => [...listeners.values()].reduce((n, set) => n + set.size, 0);

  async function invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>> {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await options.fetch(invokeUrl(options.origin, name), { method: 'POST', headers, body: JSON.stringify(args ?? {}) });
    } catch {
      throw new BridgeError('unreachable', `LM Queue at ${options.origin} is not answering`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new BridgeError('internal', `the server answered HTTP ${response.status} with something that is not JSON`, response.status);
    }
    if (!response.ok) throw errorFromBody(response.status, body);
    return body as HandlerResult<N>;
  }

  return {
    invoke,
    shareUrls: [options.origin],
    linkTo: (path) => `${options.origin}${path}${token ? `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : ''}`,
    subscribe<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = listener as AnyListener;
      set.add(entry);
      socket.start();
      return () => {
        set.delete(entry);
        if (subscriberCount() === 0) socket.stop();
      };
    },
    onConnectionChange(listener) {
      statusListeners.add(listener);
      listener(connected);
      return () => statusListeners.delete(listener);
    },
    setToken(next) {
      if (next === token) return;
      token = next;
      options.onTokenChange?.(next);
      const wasRunning = subscriberCount() > 0;
      socket.stop();
      setConnected(false);
      socket = makeSocket();
      if (wasRunning) socket.start();
    },
  };
}
