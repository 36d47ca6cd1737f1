import type { FastifyReply } from 'fastify';
import { StreamBudget } from './stream-budget';

/** The client went away: what happened, for the job's record. */
export const CLIENT_DISCONNECTED = 'the client disconnected';

/** For a stream made without its server's budget: only the per-stream cap applies. */
const ownBudget = () => new StreamBudget(undefined, Number.POSITIVE_INFINITY);

/**
 * A Server-Sent Events response written straight to the socket. Headers go out at once, so a
 * client sees the stream open even while its job is still queued.
 */
export class SseStream {
  private ended = false;
  /** Why we dropped the stream, when we did (the client was not reading). */
  private dropReason: string | null = null;

  constructor(
    private readonly reply: FastifyReply,
    headers: Record<string, string> = {},
    /** The server's: what unread streams may hold, each and together. */
    private readonly budget: StreamBudget = ownBudget(),
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
    raw.flushHeaders();
    raw.on('close', () => {
      this.ended = true;
      // A client that half-closed leaves the socket open until we finish it; it will never read more.
      if (!raw.writableFinished) raw.destroy();
    });
  }

  get closed(): boolean {
    return this.ended || this.reply.raw.destroyed;
  }

  /** The stream ended before we finished it: the client left, or we dropped it for not reading (the reason says which). */
  onClientClose(listener: (reason: string) => void): void {
    this.reply.raw.on('close', () => {
      if (!this.reply.raw.writableFinished) listener(this.dropReason ?? CLIENT_DISCONNECTED);
    });
  }

  /** A comment line: ignored by SSE parsers, so safe for status and keepalives. */
  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  data(data: string): void {
    this.write(`data: ${data.replace(/\r?\n/g, '\ndata: ')}\n\n`);
  }

  event(name: string, data: string): void {
    this.write(`event: ${name}\ndata: ${data.replace(/\r?\n/g, '\ndata: ')}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.reply.raw.end();
  }

  private write(text: string): void {
    if (this.closed) return;
    const raw = this.reply.raw;
    const refusal = this.budget.refusal(raw, Buffer.byteLength(text));
    if (refusal !== null) {
      // A client that does not read is dropped rather than buffered without bound.
      this.dropReason = refusal;
      this.ended = true;
      raw.destroy();
      return;
    }
    raw.write(text);
  }
}
