/**
 * SIGTERM with jobs running and queued: job API jobs, and synchronous /v1 callers waiting. What
 * each caller got, how long the exit took, and what the restart found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { startHeadless } from '../../src/main/testing/headless-process';
import { tryJson, until } from './chaos-support';

export interface SigtermResult {
  running: number;
  queuedApiJobs: number;
  waitingV1Callers: number;
  exitCode: number | string | null;
  exitSeconds: number;
  /** What the waiting /v1 callers got. */
  v1Answers: Record<string, number>;
  afterRestart: { apiJobsKept: number; apiJobsLost: number; v1JobsCanceled: number; v1JobsStillQueued: number; runningFinishedOrRequeued: number };
}

export async function runSigterm(options: { graceMs: number }): Promise<SigtermResult> {
  const sim = await startSimulator({ models: ['model-a'], parallel: 2, tokensPerSecond: 20, seed: 12 });
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-chaos-sigterm-'));
  const args = ['--max-concurrency', '2', '--grace-ms', String(options.graceMs)];
  const server = await startHeadless({ backendUrl: sim.url, dataDir, args });
  const job = (content: string, max_tokens: number) => ({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content }], max_tokens } });
  // Two long runs hold both slots; the rest waits behind them.
  const running: string[] = [];
  for (let i = 0; i < 2; i++) running.push((await tryJson(server.url, '/api/jobs', { body: job(`long ${i}`, 400) })).body.job.id as string);
  const queued: string[] = [];
  for (let i = 0; i < 10; i++) queued.push((await tryJson(server.url, '/api/jobs', { body: job(`queued ${i}`, 20) })).body.job.id as string);
  const callers = Array.from({ length: 5 }, async (_, i) => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'model-a', max_tokens: 20, messages: [{ role: 'user', content: `caller ${i}` }] }),
    }).catch(() => null);
    if (!response) return { answer: 'connection error', id: null };
    const body = (await response.json().catch(() => null)) as { error?: { code: string } } | null;
    return { answer: `${response.status} ${body?.error?.code ?? 'ok'}${response.headers.get('retry-after') ? ' retry-after' : ''}`, id: response.headers.get('x-lmq-job-id') };
  });
  await until('the long runs to start', () => sim.record.requests.filter((r) => r.firstTokenAt !== null).length >= 2, 30_000);
  const stopAt = Date.now();
  server.child.kill('SIGTERM');
  const exitCode = await server.exited;
  const exitSeconds = (Date.now() - stopAt) / 1000;
  const answers = await Promise.all(callers);
  const v1Answers: Record<string, number> = {};
  for (const { answer } of answers) v1Answers[answer] = (v1Answers[answer] ?? 0) + 1;

  const again = await startHeadless({ backendUrl: sim.url, dataDir, args });
  const state = async (id: string) => (await tryJson(again.url, `/api/jobs/${id}`)).body?.job?.state as string | undefined;
  const queuedStates = await Promise.all(queued.map(state));
  const runningStates = await Promise.all(running.map(state));
  // The /v1 jobs: the ones not from the job API.
  const all = (await tryJson(again.url, '/api/jobs?limit=100')).body.jobs as { id: string; state: string }[];
  const v1Jobs = all.filter((j) => !queued.includes(j.id) && !running.includes(j.id));
  again.child.kill('SIGTERM');
  await again.exited;
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    running: running.length,
    queuedApiJobs: queued.length,
    waitingV1Callers: answers.length,
    exitCode,
    exitSeconds,
    v1Answers,
    afterRestart: {
      apiJobsKept: queuedStates.filter((s) => s !== undefined && s !== 'canceled').length,
      apiJobsLost: queuedStates.filter((s) => s === undefined).length,
      v1JobsCanceled: v1Jobs.filter((j) => j.state === 'canceled').length,
      v1JobsStillQueued: v1Jobs.filter((j) => j.state === 'queued').length,
      runningFinishedOrRequeued: runningStates.filter((s) => s === 'succeeded' || s === 'queued' || s === 'running').length,
    },
  };
}
