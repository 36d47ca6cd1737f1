/**
 * One measurement in a fresh process (so RSS is this measurement's own):
 *   tsx bench/queue/worker.ts throughput <jobs>   (BENCH_NEO4J=peer: with the Neo4j mirror on, against
 *                                                  the Bolt test peer in another process)
 *                                                  BENCH_DURABILITY=normal|full: that durability, and
 *                                                  also one submission per commit, each awaited)
 *   tsx bench/queue/worker.ts forecast <queued>
 * Prints one JSON line.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/main/core/engine';
import { JobStore } from '../../src/main/core/store/job-store';
import { LANES } from '../../src/shared/job';
import { instantBackend } from '../instant-backend';

const [mode, sizeText, mixArg] = process.argv.slice(2);
/**
 * `team`: each person works in one lane at one or two priorities (what a team does);
 * `spread`: every person uses every lane and priority on both models — the worst case for the
 * policy, which compares one head per (lane, priority, owner, model) group.
 */
const mix = mixArg === 'spread' ? 'spread' : 'team';
const size = Number(sizeText);
const dir = mkdtempSync(join(tmpdir(), 'lmq-bench-'));
const OWNERS = ['ana', 'ben', 'chen', 'dara', 'eli', 'fay', 'gus', 'hana'];
const MODELS = ['qwen-7b', 'llama-8b'];
const input = { messages: [{ role: 'user', content: 'Summarize the attached paragraph in one line.' }], max_tokens: 128 };
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const TEAM_LANES = ['interactive', 'interactive', 'batch', 'batch', 'interactive', 'background', 'batch', 'interactive'] as const;
function job(i: number) {
  if (mix === 'spread') {
    return { kind: 'chat' as const, model: MODELS[i % 7 === 0 ? 1 : 0]!, lane: LANES[i % 3]!, priority: i % 10, input };
  }
  const person = i % 8;
  return {
    kind: 'chat' as const,
    model: MODELS[person === 3 && i % 16 < 8 ? 1 : 0]!,
    lane: TEAM_LANES[person]!,
    priority: person % 2 === 0 && i % 5 === 0 ? 7 : 5,
    input,
  };
}

/** The Bolt test peer in a child process; its URI once it listens. */
async function startBoltPeer(): Promise<{ uri: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bolt-peer-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const uri = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (data: Buffer) => resolve(String(data).trim()));
    child.once('exit', (code) => reject(new Error(`the Bolt test peer exited (${code})`)));
  });
  return { uri, stop: () => child.kill() };
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function throughput(): Promise<object> {
  // Baseline in the same run: the same rows through a bare prepared INSERT, one commit each.
  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, owner TEXT, model TEXT, priority INTEGER, input TEXT, state TEXT)');
  const insert = raw.prepare('INSERT INTO t (owner, model, priority, input, state) VALUES (?, ?, ?, ?, ?)');
  const update = raw.prepare('UPDATE t SET state = ? WHERE id = ?');
  let t0 = performance.now();
  for (let i = 0; i < size; i++) insert.run(OWNERS[i % 8], 'm', i % 10, JSON.stringify(input), 'queued');
  const rawInsertPerSec = size / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 1; i <= size; i++) {
    update.run('running', i);
    update.run('done', i);
  }
  const rawClaimFinishPerSec = size / ((performance.now() - t0) / 1000);
  raw.close();

  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  const peer = process.env.BENCH_NEO4J === 'peer' ? await startBoltPeer() : null;
  const neo4j = peer && { uri: peer.uri, user: 'neo4j', password: 'test-password' };
  const durability = process.env.BENCH_DURABILITY as 'normal' | 'full' | undefined;
  const engine = await createEngine({ dataDir: dir, backend: instantBackend(MODELS, concurrency), maxConcurrency: concurrency, neo4j, durability });
  engine.setPaused(true);
  // What a client waits for: one submission, acknowledged once its commit is done (with full, its fsync).
  let acknowledgedPerSec: number | null = null;
  if (durability) {
    const acknowledged = Math.min(2_000, size);
    t0 = performance.now();
    for (let i = 0; i < acknowledged; i++) {
      engine.submit(job(i), { owner: OWNERS[i % 8]! });
      await engine.durable();
    }
    acknowledgedPerSec = acknowledged / ((performance.now() - t0) / 1000);
    engine.setPaused(false);
    await until(() => engine.counts().queued === 0 && engine.counts().running === 0);
    engine.setPaused(true);
  }
  const before = engine.counts().succeeded;
  t0 = performance.now();
  for (let i = 0; i < size; i++) engine.submit(job(i), { owner: OWNERS[i % 8]! });
  const enqueuePerSec = size / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  engine.setPaused(false);
  await new Promise<void>((resolve) => {
    const check = () => (engine.counts().succeeded - before >= size ? resolve() : setImmediate(check));
    check();
  });
  const claimFinishPerSec = size / ((performance.now() - t0) / 1000);
  // With the mirror on: how long Neo4j (the peer) still takes to hold every change once the queue is done.
  let mirrorCatchUpSeconds: number | null = null;
  if (peer) {
    t0 = performance.now();
    await until(() => engine.backend().neo4j!.lag.rows === 0);
    mirrorCatchUpSeconds = (performance.now() - t0) / 1000;
  }
  await engine.close({ graceMs: 0 });
  peer?.stop();

  // The store alone (claim + succeed, as the dispatcher calls them) for the same jobs.
  const store = new JobStore({ path: join(dir, 'store.db') });
  const seqs = store.transaction(() =>
    Array.from({ length: size }, (_, i) =>
      store.insert({ ...job(i), owner: 'x', maxAttempts: 3, createdAt: 0, runAt: null, promptTokens: 10, maxTokens: 128, metadata: null }).seq,
    ),
  );
  t0 = performance.now();
  for (const seq of seqs) {
    store.claim(seq, 1, 'bench');
    store.succeed(seq, 2, { ok: true }, null);
  }
  const storeClaimFinishPerSec = size / ((performance.now() - t0) / 1000);
  store.close();
  return { jobs: size, enqueuePerSec, claimFinishPerSec, storeClaimFinishPerSec, rawInsertPerSec, rawClaimFinishPerSec, mirrorCatchUpSeconds, acknowledgedPerSec };
}

/** Fills a data directory with `size` queued jobs through the store (fast, one commit per 10k). */
function fill(dataDir: string): number {
  const store = new JobStore({ path: join(dataDir, 'lmqueue.db') });
  const now = Date.now();
  const t0 = performance.now();
  const CHUNK = 10_000;
  for (let start = 0; start < size; start += CHUNK) {
    store.transaction(() => {
      for (let i = start; i < Math.min(size, start + CHUNK); i++) {
        const j = job(i);
        const owner = OWNERS[i % 8]!;
        store.insert({ ...j, owner, maxAttempts: 3, createdAt: now - (size - i), runAt: null, promptTokens: 12, maxTokens: 128, metadata: null });
      }
    });
  }
  store.close();
  return (performance.now() - t0) / 1000;
}

/**
 * The engine holding `size` queued jobs (opened on a filled data directory, as after a
 * restart): RSS held, time for a full positions+ETAs recompute, time for one job's position.
 */
async function forecastTiming(): Promise<object> {
  const rssBefore = process.memoryUsage().rss;
  const enqueueSeconds = fill(dir);
  const engine = await createEngine({ dataDir: dir, backend: instantBackend(MODELS, 4), maxConcurrency: 4, startPaused: true, maxQueued: size + 10 });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { rss: rssQueued, heapUsed: heapQueued } = process.memoryUsage();
  // Each submit+cancel changes the queue, so the next read recomputes the whole forecast.
  const probe = { kind: 'chat' as const, model: MODELS[0]!, input };
  const times: number[] = [];
  let lastId = '';
  for (let i = 0; i < (size >= 1_000_000 ? 4 : 16); i++) {
    engine.cancel(engine.submit(probe, { owner: 'probe' }).id);
    const t0 = performance.now();
    const snapshot = engine.snapshot({ offset: Math.floor(size / 2), limit: 1 });
    times.push(performance.now() - t0);
    if (snapshot.counts.queued !== size) throw new Error(`queue holds ${snapshot.counts.queued} of ${size}`);
    lastId = snapshot.queued[0]!.id;
  }
  times.shift(); // warm-up
  times.sort((a, b) => a - b);
  // One job's position and ETA once the forecast is current (what GET /api/jobs/:id costs).
  const t1 = performance.now();
  const one = engine.get(lastId);
  const oneJobMs = performance.now() - t1;
  if (one.position === null) throw new Error('no position');
  // Baseline in the same run: sorting as many plain entries by (priority desc, seq).
  const entries = Array.from({ length: size }, (_, i) => ({ priority: i % 10, seq: i }));
  const sortTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    [...entries].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    sortTimes.push(performance.now() - t0);
  }
  sortTimes.sort((a, b) => a - b);
  const groups = new Set(Array.from({ length: Math.min(size, 100_000) }, (_, i) => { const j = job(i); return `${j.lane}/${j.priority}/${OWNERS[i % 8]}/${j.model}`; })).size;
  await engine.close({ graceMs: 0 });
  return {
    queued: size,
    mix,
    groups,
    enqueueSeconds,
    forecastMedianMs: times[Math.floor(times.length / 2)],
    oneJobMs,
    sortBaselineMedianMs: sortTimes[1],
    rssBeforeMb: rssBefore / 2 ** 20,
    rssQueuedMb: rssQueued / 2 ** 20,
    heapQueuedMb: heapQueued / 2 ** 20,
  };
}

const result = mode === 'throughput' ? await throughput() : await forecastTiming();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, ...result, peakRssMb: peakRss / 2 ** 20 }));
