import type { ServerResponse } from 'node:http';

const MIB = 1024 * 1024;

/** Unsent bytes one job stream may hold before its client counts as not reading. */
export const STREAM_BYTES_PER_CLIENT = 1 * MIB;
/** Unsent bytes all of a server's streams may hold together. */
export const STREAM_BYTES_TOTAL = 64 * MIB;
/** A stream holding less than this is keeping up: the total never drops it. */
const KEEPING_UP_BYTES = 64 * 1024;

function size(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * What unread streams may cost: a client that stops reading leaves what we write in memory,
 * so each stream has a cap, and all of them together another (a thousand stuck clients must not
 * take the server down). Node counts each response's unsent bytes (writableLength); this keeps
 * their sum, refreshed whenever a stream writes and recounted before refusing anyone.
 */
export class StreamBudget {
  private readonly held = new Map<ServerResponse, number>();
  private total = 0;

  constructor(
    readonly perStreamBytes: number = STREAM_BYTES_PER_CLIENT,
    readonly totalBytes: number = STREAM_BYTES_TOTAL,
  ) {}

  /** Why `raw` may not be given `bytes` more (the stream is then dropped), or null. */
  refusal(raw: ServerResponse, bytes: number): string | null {
    const unsent = raw.writableLength;
    if (unsent + bytes > this.perStreamBytes) {
      return `the client stopped reading the stream: ${size(unsent)} were waiting to be sent (at most ${size(this.perStreamBytes)} per stream)`;
    }
    this.hold(raw, unsent + bytes);
    if (this.total > this.totalBytes && unsent >= KEEPING_UP_BYTES) {
      this.recount();
      if (this.total > this.totalBytes) {
        return `the client was not reading the stream (${size(unsent)} unsent), and streams not being read held ${size(this.total)} together, over the server's ${size(this.totalBytes)}`;
      }
    }
    return null;
  }

  /** What all streams hold, as last counted. */
  get heldBytes(): number {
    return this.total;
  }

  private hold(raw: ServerResponse, bytes: number): void {
    const before = this.held.get(raw);
    if (before === undefined) raw.once('close', () => this.release(raw));
    this.held.set(raw, bytes);
    this.total += bytes - (before ?? 0);
  }

  private release(raw: ServerResponse): void {
    this.total -= this.held.get(raw) ?? 0;
    this.held.delete(raw);
  }

  /** Counts written since a stream last wrote have drained meanwhile: count them as they are. */
  private recount(): void {
    this.total = 0;
    for (const raw of this.held.keys()) {
      const unsent = raw.writableLength;
      this.held.set(raw, unsent);
      this.total += unsent;
    }
  }
}
