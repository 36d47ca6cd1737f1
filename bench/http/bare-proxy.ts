import http from 'node:http';

/**
 * The same-run baseline for added latency: the least a proxy written in Node can add. A bare
 * node:http server that forwards each request as it is to `upstreamUrl` over a keep-alive socket
 * and pipes the answer back: no auth, no validation, no queue, no disk, no parsing of the stream.
 * What LM Queue adds beyond this is its own cost; this much is the extra hop itself.
 */
export async function startBareProxy(upstreamUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const upstream = new URL(upstreamUrl);
  const server = http.createServer((request, response) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: request.url,
        method: request.method,
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
