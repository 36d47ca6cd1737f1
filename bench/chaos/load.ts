/** 50 connections submitting for 60 s (dispatch paused: the queue grows), the server's RSS sampled each second. */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { startHeadless } from '../../src/main/testing/headless-process';
import { rssMb, tryJson } from './chaos-support';

export interface LoadResult {
  connections: number;
  seconds: number;
  submissionsPerSecond: number;
  accepted: number;
  non2xx: number;
  errors: number;
  latencyP99Ms: number;
  rssMb: { start: number; peak: number; end: number };
  queuedAtEnd: number;
}

export async function runLoad(options: { connections: number; seconds: number }): Promise<LoadResult> {
  const sim = await startSimulator({ models: ['model-a'], seed: 8 });
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-chaos-load-'));
  const server = await startHeadless({ backendUrl: sim.url, dataDir });
  await tryJson(server.url, '/api/dispatch/pause', { method: 'POST' });
  const pid = server.child.pid!;
  const samples: number[] = [rssMb(pid)];
  const sampler = setInterval(() => samples.push(rssMb(pid)), 1_000);
  const result = await autocannon({
    url: `${server.url}/api/jobs`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'Summarize this paragraph in one line, please.' }], max_tokens: 64 } }),
    connections: options.connections,
    duration: options.seconds,
  });
  clearInterval(sampler);
  samples.push(rssMb(pid));
  const counts = (await tryJson(server.url, '/api/queue?limit=0')).body.counts as { queued: number };
  server.child.kill('SIGTERM');
  await server.exited;
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    connections: options.connections,
    seconds: options.seconds,
    submissionsPerSecond: result.requests.average,
    accepted: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP99Ms: result.latency.p99,
    rssMb: { start: samples[0]!, peak: Math.max(...samples), end: samples.at(-1)! },
    queuedAtEnd: counts.queued,
  };
}
