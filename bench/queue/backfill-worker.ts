/**
 * The Neo4j backfill in a fresh process: a data directory with <jobs> jobs from before the mirror
 * (nine in ten finished), then an engine with the mirror on, against the Bolt test peer in its own
 * process: how long until every job is in Neo4j, and how long the event loop waited meanwhile
 * (what the queue's own work would have waited).
 *   tsx bench/queue/backfill-worker.ts <jobs>
 * Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../../src/main/core/engine';
import { JobStore } from '../../src/main/core/store/job-store';
import { instantBackend } from '../instant-backend';

const size = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'lmq-bench-backfill-'));
const input = { messages: [{ role: 'user', content: 'Summarize the attached paragraph in one line.' }], max_tokens: 128 };

const before = new JobStore({ path: join(dir, 'lmqueue.db') });
// Recent times, so the engine's retention keeps them all.
const start = Date.now() - 3_600_000;
before.transaction(() => {
  for (let i = 0; i < size; i++) {
    const job = before.insert({
      kind: 'chat', model: 'qwen-7b', owner: `owner-${i % 8}`, priority: 5, lane: 'batch', maxAttempts: 3,
      createdAt: start + i, runAt: null, promptTokens: 12, maxTokens: 128, input, metadata: null,
    });
    if (i % 10 !== 0) {
      before.claim(job.seq, start + i + 1, 'earlier-run');
      before.succeed(job.seq, start + i + 2, { ok: true }, null);
    }
  }
});
await before.close();

const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bolt-peer-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const uri = await new Promise<string>((resolve, reject) => {
  child.stdout.once('data', (data: Buffer) => resolve(String(data).trim()));
  child.once('exit', (code) => reject(new Error(`the Bolt test peer exited (${code})`)));
});

const t0 = performance.now();
const engine = await createEngine({
  dataDir: dir, backend: instantBackend(['qwen-7b'], 4), maxConcurrency: 4, startPaused: true,
  neo4j: { uri, user: 'neo4j', password: 'test-password' },
});
// From here: the engine's own start (opening the queue) is not the backfill's.
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
while (engine.backend().neo4j?.backfill?.state !== 'done') await new Promise((resolve) => setTimeout(resolve, 10));
const seconds = (performance.now() - t0) / 1000;
delay.disable();
const backfill = engine.backend().neo4j!.backfill!;
await engine.close({ graceMs: 0 });
child.kill();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({
  jobs: backfill.jobs, seconds, jobsPerSec: backfill.jobs / seconds,
  loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6,
}));
