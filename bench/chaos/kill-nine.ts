/**
 * kill -9 of LM Queue at N random moments while 1,000 jobs are submitted and run; each time it
 * restarts on the same data directory and port. The submitters retry what got no answer with
 * the same Idempotency-Key, as a careful client does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { killHard, startHeadless, type HeadlessProcess } from '../../src/main/testing/headless-process';
import { freePort, overlappingRuns, sendsPerJob, sleep, tryJson, until } from './chaos-support';

export interface KillNineResult {
  jobs: number;
  kills: number;
  accepted: number;
  /** Accepted (202) but missing after the last restart. */
  lost: number;
  failed: number;
  succeeded: number;
  /** LM Studio had the same job twice at the same time. */
  ranTwiceAtOnce: number;
  /** Jobs LM Studio was sent again because a crash cut their run off. */
  reRunAfterCrash: number;
  /** Submissions that got no answer and were sent again (same Idempotency-Key). */
  submissionsRetried: number;
  /** Jobs that exist twice for one submission. */
  duplicates: number;
  seconds: number;
}

export async function runKillNine(options: { jobs: number; kills: number; seed: number; log: (line: string) => void }): Promise<KillNineResult> {
  const started = Date.now();
  const sim = await startSimulator({ models: ['model-a'], parallel: 8, tokensPerSecond: 400, timeScale: 0.05, seed: options.seed });
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-chaos-kill-'));
  const port = await freePort();
  const start = () => startHeadless({ backendUrl: sim.url, dataDir, args: ['--port', String(port)] });
  let server: HeadlessProcess = await start();
  const url = server.url;
  let random = options.seed;
  const next = () => ((random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

  const accepted = new Map<number, string>();
  let retried = 0;
  let submitted = 0;
  const submitOne = async (n: number) => {
    for (let attempt = 0; ; attempt++) {
      const answer = await tryJson(url, '/api/jobs', {
        headers: { 'idempotency-key': `chaos-${n}` },
        body: { kind: 'chat', model: 'model-a', lane: 'batch', metadata: { n }, input: { messages: [{ role: 'user', content: `task ${n}` }], max_tokens: 40 } },
      });
      if (answer.status === 202) {
        accepted.set(n, answer.body.job.id as string);
        return;
      }
      if (attempt === 0) retried++;
      await sleep(100);
    }
  };
  const submitters = (async () => {
    const lanes = Array.from({ length: 8 }, async () => {
      while (submitted < options.jobs) await submitOne(submitted++);
    });
    await Promise.all(lanes);
  })();

  const counts = async () => (await tryJson(url, '/api/queue?limit=0')).body?.counts as { queued: number; running: number; succeeded: number } | undefined;
  // Kills at random moments spread over the submissions and the run that follows them: the
  // gaps are drawn so that the N kills span about the time the whole run takes.
  const spreadMs = options.jobs * 25;
  let kills = 0;
  for (; kills < options.kills; kills++) {
    await sleep(200 + next() * (spreadMs / options.kills));
    const before = await counts();
    if (submitted >= options.jobs && before && before.queued === 0 && before.running === 0) break; // all done already
    await killHard(server);
    server = await start();
    options.log(`  kill ${kills + 1}/${options.kills}: ${accepted.size} accepted, ${before?.succeeded ?? '?'} succeeded, ${before?.running ?? '?'} running`);
  }
  await submitters;
  await until('every job to finish', async () => {
    const c = await counts();
    return c !== undefined && c.queued === 0 && c.running === 0;
  }, 600_000, 250);

  let lost = 0;
  let failed = 0;
  let succeeded = 0;
  for (const id of accepted.values()) {
    const job = (await tryJson(url, `/api/jobs/${id}`)).body?.job as { state: string } | undefined;
    if (!job) lost++;
    else if (job.state === 'failed') failed++;
    else if (job.state === 'succeeded') succeeded++;
  }
  // Every job in the store, by the submission it came from.
  const perSubmission = new Map<number, number>();
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = (await tryJson(url, `/api/jobs?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body as { jobs: { metadata: { n: number } | null }[]; nextCursor: string | null };
    for (const job of page.jobs) if (job.metadata) perSubmission.set(job.metadata.n, (perSubmission.get(job.metadata.n) ?? 0) + 1);
    cursor = page.nextCursor;
  }
  const duplicates = [...perSubmission.values()].filter((n) => n > 1).length;
  const sends = sendsPerJob(sim.record.requests);
  server.child.kill('SIGTERM');
  await server.exited;
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    jobs: options.jobs,
    kills,
    accepted: accepted.size,
    lost,
    failed,
    succeeded,
    ranTwiceAtOnce: overlappingRuns(sim.record.requests),
    reRunAfterCrash: [...sends.values()].filter((n) => n > 1).length,
    submissionsRetried: retried,
    duplicates,
    seconds: (Date.now() - started) / 1000,
  };
}
