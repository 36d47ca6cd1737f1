/**
 * A Bolt 5 server for tests: enough of Neo4j's wire protocol for the real `neo4j-driver` to
 * connect, authenticate, and run statements in explicit and auto-commit transactions. It keeps
 * no graph: it records each statement with its parameters (and whether its transaction
 * committed), and answers with the fields and records a test gives it. Tests can make it refuse
 * the password, go down and come back on the same port, be slow, or hold COMMITs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pack, Structure, Unpacker, type PackValue } from './packstream';

const MAGIC = 0x6060b017;
const MESSAGE = {
  HELLO: 0x01, GOODBYE: 0x02, RESET: 0x0f, RUN: 0x10, BEGIN: 0x11, COMMIT: 0x12, ROLLBACK: 0x13,
  DISCARD: 0x2f, PULL: 0x3f, TELEMETRY: 0x54, ROUTE: 0x66, LOGON: 0x6a, LOGOFF: 0x6b,
} as const;
const SUCCESS = 0x70;
const RECORD = 0x71;
const IGNORED = 0x7e;
const FAILURE = 0x7f;
const MAX_CHUNK = 0xffff;

type PackMap = { [key: string]: PackValue };

export interface BoltStatement {
  query: string;
  parameters: PackMap;
  /** True once the transaction it ran in committed (auto-commit: once its result was pulled). */
  committed: boolean;
}

export interface BoltAnswer {
  fields: string[];
  records: PackValue[][];
}

export interface BoltTestPeerOptions {
  /** Credentials the peer accepts (basic auth). Default neo4j / test-password. */
  user?: string;
  password?: string;
  /** The Bolt version to agree on, if the driver proposes it. Default 5.4 (LOGON, no telemetry hint). */
  version?: { major: number; minor: number };
  /** Fields and records for a statement; default none. */
  answer?: (query: string, parameters: PackMap) => BoltAnswer | undefined;
}

class Failure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly closeAfter = false,
  ) {
    super(message);
  }
}

function chunked(message: Structure): Buffer {
  const body = pack(message);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += MAX_CHUNK) {
    const chunk = body.subarray(offset, offset + MAX_CHUNK);
    const header = Buffer.alloc(2);
    header.writeUInt16BE(chunk.length);
    parts.push(header, chunk);
  }
  parts.push(Buffer.from([0, 0]));
  return Buffer.concat(parts);
}

/** Does a handshake proposal (4 bytes: 0, range, minor, major) include `version`? */
function proposes(proposal: Buffer, version: { major: number; minor: number }): boolean {
  const [, range = 0, minor = 0, major = 0] = proposal;
  return major === version.major && version.minor <= minor && version.minor >= minor - range;
}

export class BoltTestPeer {
  /** Every statement received, in order, on any connection. */
  readonly statements: BoltStatement[] = [];
  /** Added to every answer (a slow server). */
  delayMs = 0;
  /** Connections that passed the handshake; refused logins. */
  connections = 0;
  authFailures = 0;
  private holding = false;
  private heldCommits: (() => void)[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly version: { major: number; minor: number };
  private user: string;
  private password: string;

  private constructor(
    private readonly options: BoltTestPeerOptions,
    private port: number,
  ) {
    this.version = options.version ?? { major: 5, minor: 4 };
    this.user = options.user ?? 'neo4j';
    this.password = options.password ?? 'test-password';
  }

  /** Starts listening on 127.0.0.1 (a free port unless `port` is given). */
  static async start(options: BoltTestPeerOptions = {}, port = 0): Promise<BoltTestPeer> {
    const peer = new BoltTestPeer(options, port);
    await peer.listen();
    return peer;
  }

  get uri(): string {
    return `bolt://127.0.0.1:${this.port}`;
  }

  /** Statements whose transaction committed. */
  committed(): BoltStatement[] {
    return this.statements.filter((s) => s.committed);
  }

  /** From now on, logins need this password (the old one is refused). */
  acceptPassword(password: string): void {
    this.password = password;
  }

  /** While on, COMMITs are answered only when released (or never, if the peer goes down). */
  holdCommits(on: boolean): void {
    this.holding = on;
    if (!on) this.releaseCommits();
  }

  get heldCommitCount(): number {
    return this.heldCommits.length;
  }

  releaseCommits(): void {
    const held = this.heldCommits;
    this.heldCommits = [];
    for (const release of held) release();
  }

  /** Goes down: stops listening and drops every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.heldCommits = [];
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  private listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        const address = server.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const session = new BoltSession(this, socket);
    socket.on('data', (data) => session.receive(data));
  }

  /** @internal used by sessions */
  checkLogin(auth: PackMap): void {
    if (auth['principal'] === this.user && auth['credentials'] === this.password) return;
    this.authFailures++;
    throw new Failure('Neo.ClientError.Security.Unauthorized', 'The client is unauthorized due to authentication failure.', true);
  }

  /** @internal */
  agreedVersion(proposals: Buffer[]): { major: number; minor: number } | null {
    return proposals.some((p) => proposes(p, this.version)) ? this.version : null;
  }

  /** @internal */
  answerFor(query: string, parameters: PackMap): BoltAnswer {
    return this.options.answer?.(query, parameters) ?? { fields: [], records: [] };
  }

  /** @internal resolves when a held COMMIT may be answered */
  commitGate(): Promise<void> {
    if (!this.holding) return Promise.resolve();
    return new Promise((resolve) => this.heldCommits.push(resolve));
  }
}

/** One connection: handshake, then chunked messages answered strictly in order. */
class BoltSession {
  private pending = Buffer.alloc(0);
  private handshaken = false;
  private message: Buffer[] = [];
  private queue: Promise<void> = Promise.resolve();
  private failed = false;
  private transaction: BoltStatement[] | null = null;
  private answer: BoltAnswer | null = null;
  private autoCommit: BoltStatement | null = null;
  private version: { major: number; minor: number } = { major: 0, minor: 0 };

  constructor(
    private readonly peer: BoltTestPeer,
    private readonly socket: Socket,
  ) {}

  receive(data: Buffer): void {
    this.pending = Buffer.concat([this.pending, data]);
    if (!this.handshaken) {
      if (this.pending.length < 20) return;
      this.handshake(this.pending.subarray(0, 20));
      this.pending = this.pending.subarray(20);
    }
    while (this.handshaken && this.pending.length >= 2) {
      const size = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + size) return;
      const chunk = this.pending.subarray(2, 2 + size);
      this.pending = this.pending.subarray(2 + size);
      if (size > 0) this.message.push(chunk);
      else if (this.message.length > 0) {
        const body = Buffer.concat(this.message);
        this.message = [];
        this.queue = this.queue.then(() => this.handle(body)).catch(() => {
          this.socket.destroy();
        });
      } // else: a NOOP chunk (keep-alive)
    }
  }

  private handshake(bytes: Buffer): void {
    const proposals = [4, 8, 12, 16].map((at) => bytes.subarray(at, at + 4));
    const agreed = bytes.readUInt32BE(0) === MAGIC ? this.peer.agreedVersion(proposals) : null;
    if (!agreed) {
      this.socket.end(Buffer.alloc(4));
      return;
    }
    this.version = agreed;
    this.handshaken = true;
    this.peer.connections++;
    this.socket.write(Buffer.from([0, 0, agreed.minor, agreed.major]));
  }

  private async handle(body: Buffer): Promise<void> {
    const request = new Unpacker(body).unpack();
    if (!(request instanceof Structure)) throw new Error('a Bolt message is a structure');
    if (this.peer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.peer.delayMs));
    if (request.signature === MESSAGE.GOODBYE) {
      this.socket.end();
      return;
    }
    if (request.signature === MESSAGE.RESET) {
      this.failed = false;
      this.transaction = null;
      this.send(SUCCESS, {});
      return;
    }
    if (this.failed) {
      this.socket.write(chunked(new Structure(IGNORED, [])));
      return;
    }
    try {
      await this.respond(request.signature, request.fields);
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      this.failed = true;
      this.transaction = null;
      this.send(FAILURE, { code: error.code, message: error.message });
      if (error.closeAfter) this.socket.end();
    }
  }

  private async respond(signature: number, fields: PackValue[]): Promise<void> {
    const first = (fields[0] ?? {}) as PackMap;
    switch (signature) {
      case MESSAGE.HELLO:
        if (this.version.minor === 0) this.peer.checkLogin(first); // Bolt 5.0 logs in with HELLO
        this.send(SUCCESS, { server: 'Neo4j/5.26.0', connection_id: `bolt-${this.peer.connections}`, hints: {} });
        return;
      case MESSAGE.LOGON:
        this.peer.checkLogin(first);
        this.send(SUCCESS, {});
        return;
      case MESSAGE.LOGOFF:
      case MESSAGE.TELEMETRY:
        this.send(SUCCESS, {});
        return;
      case MESSAGE.BEGIN:
        this.transaction = [];
        this.send(SUCCESS, {});
        return;
      case MESSAGE.RUN:
        this.run(fields[0] as string, (fields[1] ?? {}) as PackMap);
        return;
      case MESSAGE.PULL:
      case MESSAGE.DISCARD:
        this.pull(signature === MESSAGE.PULL);
        return;
      case MESSAGE.COMMIT: {
        const statements = this.transaction ?? [];
        this.transaction = null;
        await this.peer.commitGate();
        if (this.socket.destroyed) return;
        for (const statement of statements) statement.committed = true;
        this.send(SUCCESS, { bookmark: `lmq-test-peer:${this.peer.statements.length}` });
        return;
      }
      case MESSAGE.ROLLBACK:
        this.transaction = null;
        this.send(SUCCESS, {});
        return;
      default:
        throw new Failure('Neo.ClientError.Request.Invalid', `the test peer does not speak message 0x${signature.toString(16)}`);
    }
  }

  private run(query: string, parameters: PackMap): void {
    const statement: BoltStatement = { query, parameters, committed: false };
    this.peer.statements.push(statement);
    if (this.transaction) this.transaction.push(statement);
    else this.autoCommit = statement;
    this.answer = this.peer.answerFor(query, parameters);
    this.send(SUCCESS, { fields: this.answer.fields, t_first: 0, ...(this.transaction ? { qid: 0 } : {}) });
  }

  private pull(withRecords: boolean): void {
    const answer = this.answer ?? { fields: [], records: [] };
    this.answer = null;
    if (withRecords) for (const record of answer.records) this.socket.write(chunked(new Structure(RECORD, [record])));
    const done: PackMap = { has_more: false, t_last: 0, type: 'w', db: 'neo4j' };
    if (this.autoCommit) {
      this.autoCommit.committed = true;
      this.autoCommit = null;
      done['bookmark'] = `lmq-test-peer:${this.peer.statements.length}`;
    }
    this.send(SUCCESS, done);
  }

  private send(signature: number, metadata: PackMap): void {
    if (!this.socket.destroyed) this.socket.write(chunked(new Structure(signature, [metadata])));
  }
}
