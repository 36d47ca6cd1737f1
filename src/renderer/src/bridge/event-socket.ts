/**
 * One WebSocket to `GET /api/ws` carrying the server's pushed events, reconnecting with
 * backoff when the server goes away. The HTTP bridge fans its messages out to subscribers.
 */
import { backoffDelayMs } from '../../../shared/backoff';
import { EVENT_NAMES, type EventName } from '../../../shared/events';

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(): void;
}

/** Opens a socket and wires its callbacks (the browser's WebSocket, or a fake in tests). */
export type OpenSocket = (url: string, handlers: SocketHandlers) => { close(): void };

export interface EventSocketOptions {
  url: string;
  open: OpenSocket;
  onEvent: (event: EventName, payload: unknown) => void;
  onStatus: (connected: boolean) => void;
}

/** Reconnect delays; jittered so every open tab does not knock at once when the server comes back. */
const RECONNECT_BACKOFF = { baseMs: 250, maxMs: 10_000 };

/** `{event, data}` as the server sends it; `payload`/`type` spellings are accepted too. */
export function parseEventMessage(text: string): { event: EventName; payload: unknown } | null {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const record = message as Record<string, unknown>;
  const event = record.event ?? record.type;
  if (typeof event !== 'string' || !EVENT_NAMES.includes(event as EventName)) return null;
  return { event: event as EventName, payload: 'data' in record ? record.data : record.payload };
}

export class EventSocket {
  private socket: { close(): void } | null = null;
  /** Reconnects tried since the socket was last open. */
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;

  constructor(private readonly options: EventSocketOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    const socket = this.options.open(this.options.url, {
      onOpen: () => {
        this.attempt = 0;
        this.options.onStatus(true);
      },
      onMessage: (data) => {
        if (typeof data !== 'string') return;
        const parsed = parseEventMessage(data);
        if (parsed) this.options.onEvent(parsed.event, parsed.payload);
      },
      onClose: () => this.closed(socket),
    });
    this.socket = socket;
  }

  private closed(socket: { close(): void }): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.options.onStatus(false);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, backoffDelayMs(++this.attempt, RECONNECT_BACKOFF));
  }
}
