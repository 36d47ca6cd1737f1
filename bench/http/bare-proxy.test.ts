import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startBareProxy } from './bare-proxy';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** An upstream that echoes the method, path and body it got, in two chunks. */
async function startEcho(): Promise<string> {
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'echo' });
      response.write(`{"method":"${request.method}","path":"${request.url}",`);
      response.end(`"body":${JSON.stringify(body)}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

function post(url: string, body: string): Promise<{ status: number; header: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, header: response.headers['x-upstream'] as string | undefined, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('bare pass-through proxy (the latency baseline)', () => {
  it('forwards path and body, and passes status, headers and the whole answer back', async () => {
    const proxy = await startBareProxy(await startEcho());
    closers.push(proxy.close);
    const answer = await post(`${proxy.url}/v1/chat/completions`, '{"model":"m"}');
    expect(answer.status).toBe(201);
    expect(answer.header).toBe('echo');
    expect(JSON.parse(answer.text)).toEqual({ method: 'POST', path: '/v1/chat/completions', body: '{"model":"m"}' });
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const proxy = await startBareProxy('http://127.0.0.1:1');
    closers.push(proxy.close);
    expect((await post(`${proxy.url}/v1/models`, '')).status).toBe(502);
  });
});
