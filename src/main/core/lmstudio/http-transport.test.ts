import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { errorFromThrown } from './failure-classifier';
import { createHttpTransport, readBody, readText, type HttpSendInit, type HttpTransport } from './http-transport';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface TestServer {
  url: string;
  /** TCP connections accepted so far. */
  connections: net.Socket[];
}

async function listen(server: net.Server): Promise<TestServer> {
  const connections: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => connections.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of connections) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return listen(http.createServer(handler));
}

/** A server that speaks raw TCP: `onRequest` gets the socket once the request arrives. */
function rawServer(onRequest: (socket: net.Socket) => void): Promise<TestServer> {
  return listen(net.createServer((socket) => socket.once('data', () => onRequest(socket))));
}

function transportFor(server: TestServer): HttpTransport {
  const transport = createHttpTransport(server.url);
  cleanups.push(() => transport.close());
  return transport;
}

const post = (signal = new AbortController().signal): HttpSendInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}', signal });
const ctx = { url: 'http://lm', operation: 'chat request for model "m"' };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('sending', () => {
  it('sends the body with its length and reuses one keep-alive socket for requests in turn', async () => {
    const seen: Array<{ body: string; length: string | undefined; path: string | undefined }> = [];
    const server = await httpServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ body, length: req.headers['content-length'], path: req.url });
        res.end(`answer ${seen.length}`);
      });
    });
    const transport = transportFor(server);
    for (const n of [1, 2, 3]) {
      const response = await transport.send('/v1/chat/completions', post());
      // The socket is back in the pool once the response has closed.
      const closed = once(response, 'close');
      expect(await readText(response)).toBe(`answer ${n}`);
      await closed;
    }
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ body: '{"n":1}', length: '7', path: '/v1/chat/completions' })));
    expect(server.connections).toHaveLength(1);

    transport.close();
    await once(server.connections[0]!, 'close');
  });

  it('keeps a path prefix of the base URL', async () => {
    let path: string | undefined;
    const server = await httpServer((req, res) => {
      path = req.url;
      res.end();
    });
    const transport = createHttpTransport(`${server.url}/lmstudio/`);
    cleanups.push(() => transport.close());
    await readText(await transport.send('/v1/models', { method: 'GET', headers: {}, signal: new AbortController().signal }));
    expect(path).toBe('/lmstudio/v1/models');
  });

  it('sends again on a fresh socket when a reused one turns out closed, but never retries a fresh one', async () => {
    const requestsBySocket = new Map<net.Socket, number>();
    const server = await httpServer((req, res) => {
      const count = (requestsBySocket.get(req.socket) ?? 0) + 1;
      requestsBySocket.set(req.socket, count);
      // The race a keep-alive client can lose: the server drops the idle socket as the next request goes out.
      if (count === 2) req.socket.destroy();
      else res.end('ok');
    });
    const transport = transportFor(server);
    const first = await transport.send('/', post());
    const firstClosed = once(first, 'close');
    expect(await readText(first)).toBe('ok');
    await firstClosed;
    expect(await readText(await transport.send('/', post()))).toBe('ok');
    expect(server.connections).toHaveLength(2);

    const hangsUp = await rawServer((socket) => socket.destroy());
    const error = await rejection(transportFor(hangsUp).send('/', post()));
    expect(error).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(errorFromThrown(error, ctx).code).toBe('unreachable');
    expect(hangsUp.connections).toHaveLength(1);
  });
});

describe('reading', () => {
  it('passes each chunk on as it arrives, before the next one is sent', async () => {
    let sendRest: () => void = () => undefined;
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      sendRest = () => res.end('data: 2\n\n');
    });
    const chunks: string[] = [];
    const response = await transportFor(server).send('/', post());
    await readBody(response, (text) => {
      chunks.push(text);
      // The server writes the rest only after we have seen the first chunk.
      if (chunks.length === 1) sendRest();
    });
    expect(chunks).toEqual(['data: 1\n\n', 'data: 2\n\n']);
  });

  it('resolves as soon as the reader has enough, and the rest drains so the socket is reused', async () => {
    let sendRest: (() => void) | undefined;
    const server = await httpServer((_req, res) => {
      if (sendRest !== undefined) return void res.end('next');
      res.write('data: [DONE]\n\n');
      sendRest = () => res.end('trailing');
    });
    const transport = transportFor(server);
    const response = await transport.send('/', post());
    const seen: string[] = [];
    await readBody(response, (text) => {
      seen.push(text);
      return false;
    });
    expect(seen).toEqual(['data: [DONE]\n\n']);
    sendRest!();
    await once(response, 'close');
    expect(await readText(await transport.send('/', post()))).toBe('next');
    expect(server.connections).toHaveLength(1);
  });

  it('drops a socket whose answer never ends after the reader stopped', async () => {
    const server = await httpServer((_req, res) => res.write('data: [DONE]\n\n'));
    const response = await transportFor(server).send('/', post());
    await readBody(response, () => false);
    await once(server.connections[0]!, 'close');
    expect(response.destroyed).toBe(true);
  });

  it('destroys the response when the reader throws, and rejects with its error', async () => {
    const server = await httpServer((_req, res) => res.write('data: bad\n\n'));
    const response = await transportFor(server).send('/', post());
    const thrown = new Error('bad chunk');
    expect(
      await rejection(
        readBody(response, () => {
          throw thrown;
        }),
      ),
    ).toBe(thrown);
    await once(server.connections[0]!, 'close');
  });
});

describe('aborting', () => {
  it('destroys the request mid-body so the server sees the client go', async () => {
    let serverSawClose: (finished: boolean) => void = () => undefined;
    const closed = new Promise<boolean>((resolve) => (serverSawClose = resolve));
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      res.on('close', () => serverSawClose(res.writableFinished));
    });
    const controller = new AbortController();
    const response = await transportFor(server).send('/', post(controller.signal));
    await rejection(readBody(response, () => controller.abort(new Error('caller went away'))));
    expect(await closed).toBe(false);
  });

  it('rejects with the abort reason when aborted before the answer, and sends nothing once aborted', async () => {
    let requestArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    const server = await httpServer(() => requestArrived());
    const transport = transportFor(server);
    const controller = new AbortController();
    const reason = new Error('timed out');
    const sent = transport.send('/', post(controller.signal));
    await arrived;
    controller.abort(reason);
    expect(await rejection(sent)).toBe(reason);
    await once(server.connections[0]!, 'close');
    expect(await rejection(transport.send('/', post(controller.signal)))).toBe(reason);
    expect(server.connections).toHaveLength(1);
  });
});

describe('failures as node:http reports them', () => {
  it('refused: nothing listens', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const error = await rejection(transportFor({ url: `http://127.0.0.1:${port}`, connections: [] }).send('/', post()));
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(errorFromThrown(error, ctx).code).toBe('unreachable');
  });

  it('cut off mid-body', async () => {
    // One chunk of a chunked body, then the server closes the connection.
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n9\r\ndata: 1\n\n\r\n'));
    const response = await transportFor(server).send('/', post());
    const chunks: string[] = [];
    const error = await rejection(readBody(response, (text) => void chunks.push(text)));
    expect(chunks).toEqual(['data: 1\n\n']);
    expect(error).toMatchObject({ code: 'ECONNRESET', message: 'aborted' });
    expect(errorFromThrown(error, ctx).code).toBe('unreachable');
  });

  it('an answer that is not HTTP', async () => {
    const server = await rawServer((socket) => socket.end('garbage\r\n\r\n'));
    const error = await rejection(transportFor(server).send('/', post()));
    expect(errorFromThrown(error, ctx).code).toBe('protocol');
  });
});
