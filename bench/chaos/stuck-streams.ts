/**
 * Streaming clients that never read: each holds a socket open and reads nothing while LM Studio
 * streams a long answer. The server's resident set is sampled (the cap on what it buffers per
 * stream is another change; this measures it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { startHeadless } from '../../src/main/testing/headless-process';
import { rssMb, sleep } from './chaos-support';

export interface StuckStreamsResult {
  clients: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssPerStreamMb: number;
  seconds: number;
}

export async function runStuckStreams(options: { clients: number; seconds: number }): Promise<StuckStreamsResult> {
  const sim = await startSimulator({ models: ['model-a'], parallel: options.clients, tokensPerSecond: 20_000, seed: 9 });
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-chaos-stuck-'));
  const server = await startHeadless({ backendUrl: sim.url, dataDir, args: ['--max-concurrency', String(options.clients)] });
  const { port } = new URL(server.url);
  const rssBeforeMb = rssMb(server.child.pid!);
  const body = JSON.stringify({ model: 'model-a', stream: true, max_tokens: 200_000, messages: [{ role: 'user', content: 'a very long answer' }] });
  const sockets: Socket[] = [];
  for (let i = 0; i < options.clients; i++) {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.pause(); // never reads: the kernel buffers fill, then the server's
    sockets.push(socket);
  }
  let rssPeakMb = rssBeforeMb;
  for (let t = 0; t < options.seconds * 4; t++) {
    await sleep(250);
    rssPeakMb = Math.max(rssPeakMb, rssMb(server.child.pid!));
  }
  for (const socket of sockets) socket.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { clients: options.clients, rssBeforeMb, rssPeakMb, rssPerStreamMb: (rssPeakMb - rssBeforeMb) / options.clients, seconds: options.seconds };
}
