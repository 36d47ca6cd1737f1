import { StreamBudget } from './stream-budget';

/** A long-lived response (SSE stream, WebSocket, a request waiting for its job). */
export interface LiveConnection {
  /** Called every heartbeat interval: keeps proxies from timing the connection out. */
  heartbeat?(): void;
  /** The server is closing: end the connection in a way the client understands. */
  shutdown(): void;
  /** The token that opened it: revoking that token ends it (event streams). */
  token?: string;
  /** Its token was revoked: end the connection saying so. */
  revoked?(): void;
}

/** Every live connection, so one timer serves all heartbeats and close can end them all. */
export class LiveConnections {
  private readonly connections = new Set<LiveConnection>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    heartbeatMs: number,
    /** What the server's job streams may leave unsent, each and together. */
    readonly streamBudget: StreamBudget = new StreamBudget(),
  ) {
    this.timer = setInterval(() => this.heartbeatAll(), heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  add(connection: LiveConnection): () => void {
    this.connections.add(connection);
    return () => this.connections.delete(connection);
  }

  heartbeatAll(): void {
    for (const connection of this.connections) {
      try {
        connection.heartbeat?.();
      } catch {
        // A heartbeat is best effort (the engine may be closing); the timer must survive it.
      }
    }
  }

  /** Ends the connections opened with `token` that end on revocation; returns how many. */
  revokeToken(token: string): number {
    let ended = 0;
    for (const connection of [...this.connections]) {
      if (connection.token !== token || !connection.revoked) continue;
      this.connections.delete(connection);
      try {
        connection.revoked();
      } catch {
        // Already gone.
      }
      ended++;
    }
    return ended;
  }

  shutdownAll(): void {
    clearInterval(this.timer);
    for (const connection of [...this.connections]) {
      this.connections.delete(connection);
      try {
        connection.shutdown();
      } catch {
        // The socket may already be gone; nothing left to tell the client.
      }
    }
  }
}
