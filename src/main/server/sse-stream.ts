import type { FastifyReply } from 'fastify';

/** A client that cannot keep up with this much unsent data is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * A Server-Sent Events response written straight to the socket. Headers go out at once, so a
 * client sees the stream open even while its job is still queued.
 */
export class SseStream {
  private ended = false;

  constructor(
    private readonly reply: FastifyReply,
    headers: Record<string, string> = {},
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

  /** The client went away before we ended the stream. */
  onClientClose(listener: () => void): void {
    this.reply.raw.on('close', () => {
      if (!this.reply.raw.writableFinished) listener();
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
    if (raw.writableLength > MAX_BUFFERED_BYTES) {
      this.ended = true;
      raw.destroy();
      return;
    }
    raw.write(text);
  }
}
