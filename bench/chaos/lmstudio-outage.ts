/**
 * LM Studio (the simulator) going away while streams are mid-answer and jobs wait, and coming
 * back: what the callers saw, and how soon work was sent again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { startHeadless } from '../../src/main/testing/headless-process';
import { sleep, tryJson, until } from './chaos-support';

export interface OutageResult {
  outageSeconds: number;
  streams: number;
  /** Streams cut off mid-answer (not retried: the caller had part of it), ending with an error event. */
  streamsEndedWithError: number;
  streamsCompleted: number;
  queuedJobs: number;
  queuedSucceeded: number;
  queuedFailed: number;
  /** From LM Studio listening again to the first request it got. */
  firstRequestAfterBackSeconds: number;
}

async function readStream(url: string, body: unknown): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.text().catch(() => 'error: connection reset');
}

export async function runOutage(options: { outageSeconds: number; log: (line: string) => void }): Promise<OutageResult> {
  const sim = await startSimulator({ models: ['model-a'], parallel: 4, tokensPerSecond: 20, seed: 4 });
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-chaos-outage-'));
  const server = await startHeadless({ backendUrl: sim.url, dataDir, args: ['--max-concurrency', '4'] });
  const streams = Array.from({ length: 4 }, (_, i) =>
    readStream(server.url, { model: 'model-a', stream: true, max_tokens: 200, messages: [{ role: 'user', content: `stream ${i}` }] }),
  );
  const queued: string[] = [];
  for (let i = 0; i < 10; i++) {
    const answer = await tryJson(server.url, '/api/jobs', { body: { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: `waits ${i}` }], max_tokens: 10 } } });
    queued.push(answer.body.job.id as string);
  }
  await until('the streams to be mid-answer', () => sim.record.requests.filter((r) => r.firstTokenAt !== null).length >= 4, 30_000);
  await sleep(500);
  await sim.setDown(true);
  options.log(`  LM Studio down for ${options.outageSeconds} s`);
  await sleep(options.outageSeconds * 1000);
  const sentBefore = sim.record.requests.length;
  await sim.setDown(false);
  const back = Date.now();
  await until('a request after the outage', () => sim.record.requests.length > sentBefore, 60_000, 20);
  const firstRequestAfterBackSeconds = (Date.now() - back) / 1000;
  const texts = await Promise.all(streams);
  await until('the waiting jobs to finish', async () => {
    const states = await Promise.all(queued.map(async (id) => (await tryJson(server.url, `/api/jobs/${id}`)).body?.job?.state as string));
    return states.every((s) => s === 'succeeded' || s === 'failed');
  }, 120_000, 200);
  const states = await Promise.all(queued.map(async (id) => (await tryJson(server.url, `/api/jobs/${id}`)).body.job.state as string));
  server.child.kill('SIGTERM');
  await server.exited;
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    outageSeconds: options.outageSeconds,
    streams: texts.length,
    streamsEndedWithError: texts.filter((t) => t.includes('"error"')).length,
    streamsCompleted: texts.filter((t) => t.trimEnd().endsWith('data: [DONE]')).length,
    queuedJobs: queued.length,
    queuedSucceeded: states.filter((s) => s === 'succeeded').length,
    queuedFailed: states.filter((s) => s === 'failed').length,
    firstRequestAfterBackSeconds,
  };
}
