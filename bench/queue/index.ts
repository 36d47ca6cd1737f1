/**
 * `npm run bench -- queue`: enqueue and claim+finish throughput, and the time to compute
 * positions+ETAs for 10k/100k/1M queued jobs with the memory held. Each measurement runs in a
 * fresh process (bench/queue/worker.ts) so its RSS is its own; ratios are against baselines
 * measured in the same run (bare SQLite statements; a plain sort of the same queue). The Neo4j
 * mirror row runs the concurrency-4 throughput again with the mirror on, against the Bolt test
 * peer in its own process, beside the mirror-off row of the same run. The durability rows run
 * concurrency 4 with --durability normal and full, one after the other in the same run, and
 * add submissions acknowledged one at a time (each awaits its own commit: with full, an fsync).
 * The backfill row turns the mirror on for a data directory that already holds 100k jobs.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const WORKER = join(import.meta.dirname, 'worker.ts');
const PARENT_WORKER = join(import.meta.dirname, 'parent-worker.ts');
const BACKFILL_WORKER = join(import.meta.dirname, 'backfill-worker.ts');

function measure(args: string[], env: Record<string, string> = {}, worker = WORKER): Record<string, number | string> {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', worker, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | string>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface QueueBenchResult {
  throughput: Array<{ concurrency: number; jobs: number; enqueuePerSec: number; claimFinishPerSec: number; storeClaimFinishPerSec: number; rawInsertPerSec: number; rawClaimFinishPerSec: number }>;
  /** Concurrency 4, the mirror off (the row above) and on; catch-up: until Neo4j holds every change once the queue is done. */
  neo4jMirror: Array<{ mirror: string; jobs: number; enqueuePerSec: number; claimFinishPerSec: number; catchUpSeconds: number | null }>;
  /** The Neo4j mirror turned on for a data directory with jobs already in it: until all are in Neo4j, and the event loop's waits meanwhile. */
  neo4jBackfill?: { jobs: number; seconds: number; jobsPerSec: number; loopDelayP99Ms: number; loopDelayMaxMs: number };
  /** --durability normal vs full, same run, concurrency 4; ratios are full / normal. */
  durability?: Array<{ durability: string; jobs: number; enqueuePerSec: number; claimFinishPerSec: number; acknowledgedPerSec: number; ratioToNormal: { enqueue: number; claimFinish: number; acknowledged: number } }>;
  forecast: Array<{ queued: number; mix: string; groups: number; forecastMedianMs: number; sortBaselineMedianMs: number; ratioToSort: number; enqueueSeconds: number; rssQueuedMb: number; peakRssMb: number }>;
  /**
   * A batch's children added 1,000 per call, a turn of the event loop between calls (what the
   * Batch API does): wall and CPU time, the longest call, the loop's longest delay; and
   * positions+ETAs with that many children of one parent queued against as many ordinary jobs of
   * the same shape (one owner, lane, priority and model).
   */
  parents?: {
    accept: { children: number; acceptSeconds: number; cpuSeconds: number; longestChunkMs: number; longestChunkCpuMs: number; loopDelayMaxMs: number; peakRssMb: number; loadAverage: number };
    forecast: Array<{ queued: number; shape: string; forecastMedianMs: number; parentViewMs: number | null; openSeconds: number }>;
  };
}

export function runQueueBench(options: { quick: boolean; log?: (line: string) => void }): QueueBenchResult {
  const log = options.log ?? console.log;
  const repeats = options.quick ? 1 : 3;
  const jobs = options.quick ? 10_000 : 50_000;
  const throughput: QueueBenchResult['throughput'] = [];
  for (const concurrency of [4, 64]) {
    const runs = Array.from({ length: repeats }, () => measure(['throughput', String(jobs)], { BENCH_CONCURRENCY: String(concurrency) }));
    const pick = (key: string) => median(runs.map((r) => Number(r[key])));
    const row = {
      concurrency,
      jobs,
      enqueuePerSec: pick('enqueuePerSec'),
      claimFinishPerSec: pick('claimFinishPerSec'),
      storeClaimFinishPerSec: pick('storeClaimFinishPerSec'),
      rawInsertPerSec: pick('rawInsertPerSec'),
      rawClaimFinishPerSec: pick('rawClaimFinishPerSec'),
    };
    throughput.push(row);
    log(`queue throughput (concurrency ${concurrency}, ${jobs} jobs): enqueue ${row.enqueuePerSec.toFixed(0)}/s, claim+finish ${row.claimFinishPerSec.toFixed(0)}/s (bare SQLite: ${row.rawClaimFinishPerSec.toFixed(0)}/s)`);
  }
  const off = throughput.find((row) => row.concurrency === 4)!;
  const mirrorRuns = Array.from({ length: repeats }, () => measure(['throughput', String(jobs)], { BENCH_CONCURRENCY: '4', BENCH_NEO4J: 'peer' }));
  const pickOn = (key: string) => median(mirrorRuns.map((r) => Number(r[key])));
  const neo4jMirror: QueueBenchResult['neo4jMirror'] = [
    { mirror: 'off', jobs, enqueuePerSec: off.enqueuePerSec, claimFinishPerSec: off.claimFinishPerSec, catchUpSeconds: null },
    { mirror: 'on (Bolt test peer)', jobs, enqueuePerSec: pickOn('enqueuePerSec'), claimFinishPerSec: pickOn('claimFinishPerSec'), catchUpSeconds: pickOn('mirrorCatchUpSeconds') },
  ];
  const on = neo4jMirror[1]!;
  log(`Neo4j mirror on (concurrency 4): enqueue ${on.enqueuePerSec.toFixed(0)}/s, claim+finish ${on.claimFinishPerSec.toFixed(0)}/s (off: ${off.enqueuePerSec.toFixed(0)}/s, ${off.claimFinishPerSec.toFixed(0)}/s); Neo4j had every change ${on.catchUpSeconds!.toFixed(2)} s after the last job`);
  const backfilled = measure([String(options.quick ? 20_000 : 100_000)], {}, BACKFILL_WORKER);
  const neo4jBackfill = {
    jobs: Number(backfilled.jobs),
    seconds: Number(backfilled.seconds),
    jobsPerSec: Number(backfilled.jobsPerSec),
    loopDelayP99Ms: Number(backfilled.loopDelayP99Ms),
    loopDelayMaxMs: Number(backfilled.loopDelayMaxMs),
  };
  log(`Neo4j backfill of ${neo4jBackfill.jobs} existing jobs: ${neo4jBackfill.seconds.toFixed(1)} s (${neo4jBackfill.jobsPerSec.toFixed(0)}/s); event loop delay p99 ${neo4jBackfill.loopDelayP99Ms.toFixed(1)} ms, max ${neo4jBackfill.loopDelayMaxMs.toFixed(0)} ms`);
  const durability: NonNullable<QueueBenchResult['durability']> = [];
  for (const mode of ['normal', 'full'] as const) {
    const runs = Array.from({ length: repeats }, () => measure(['throughput', String(jobs)], { BENCH_CONCURRENCY: '4', BENCH_DURABILITY: mode }));
    const pick = (key: string) => median(runs.map((r) => Number(r[key])));
    const base = durability[0];
    const row = { durability: mode, jobs, enqueuePerSec: pick('enqueuePerSec'), claimFinishPerSec: pick('claimFinishPerSec'), acknowledgedPerSec: pick('acknowledgedPerSec') };
    durability.push({
      ...row,
      ratioToNormal: {
        enqueue: base ? row.enqueuePerSec / base.enqueuePerSec : 1,
        claimFinish: base ? row.claimFinishPerSec / base.claimFinishPerSec : 1,
        acknowledged: base ? row.acknowledgedPerSec / base.acknowledgedPerSec : 1,
      },
    });
    log(`durability ${mode} (concurrency 4): enqueue ${row.enqueuePerSec.toFixed(0)}/s, claim+finish ${row.claimFinishPerSec.toFixed(0)}/s, one submission per commit ${row.acknowledgedPerSec.toFixed(0)}/s`);
  }
  const sizes: Array<[number, string]> = options.quick
    ? [[10_000, 'team'], [100_000, 'team']]
    : [[10_000, 'team'], [100_000, 'team'], [100_000, 'spread'], [1_000_000, 'team']];
  const forecast: QueueBenchResult['forecast'] = [];
  for (const [size, mix] of sizes) {
    const r = measure(['forecast', String(size), mix]);
    const row = {
      queued: size,
      mix,
      groups: Number(r.groups),
      forecastMedianMs: Number(r.forecastMedianMs),
      sortBaselineMedianMs: Number(r.sortBaselineMedianMs),
      ratioToSort: Number(r.forecastMedianMs) / Number(r.sortBaselineMedianMs),
      enqueueSeconds: Number(r.enqueueSeconds),
      rssQueuedMb: Number(r.rssQueuedMb),
      peakRssMb: Number(r.peakRssMb),
    };
    forecast.push(row);
    log(`positions+ETAs for ${size} queued (${mix}, ${row.groups} groups): ${row.forecastMedianMs.toFixed(1)} ms (plain sort ${row.sortBaselineMedianMs.toFixed(1)} ms, x${row.ratioToSort.toFixed(1)}); RSS ${row.rssQueuedMb.toFixed(0)} MB, peak ${row.peakRssMb.toFixed(0)} MB`);
  }
  return { throughput, neo4jMirror, neo4jBackfill, durability, forecast, parents: parentsBench(options.quick, log) };
}

function parentsBench(quick: boolean, log: (line: string) => void): NonNullable<QueueBenchResult['parents']> {
  const a = measure(['accept', '50000'], {}, PARENT_WORKER);
  const accept = {
    children: Number(a.children),
    acceptSeconds: Number(a.acceptSeconds),
    cpuSeconds: Number(a.cpuSeconds),
    longestChunkMs: Number(a.longestChunkMs),
    longestChunkCpuMs: Number(a.longestChunkCpuMs),
    loopDelayMaxMs: Number(a.loopDelayMaxMs),
    peakRssMb: Number(a.peakRssMb),
    loadAverage: Number(a.loadAverage),
  };
  log(`a batch's 50,000 children accepted in ${accept.acceptSeconds.toFixed(2)} s (CPU ${accept.cpuSeconds.toFixed(2)} s), longest 1,000-child call ${accept.longestChunkMs.toFixed(0)} ms (CPU ${accept.longestChunkCpuMs.toFixed(0)} ms), event loop delayed at most ${accept.loopDelayMaxMs.toFixed(0)} ms; peak RSS ${accept.peakRssMb.toFixed(0)} MB (load average ${accept.loadAverage.toFixed(1)})`);
  const forecast: NonNullable<QueueBenchResult['parents']>['forecast'] = [];
  for (const shape of ['children', 'plain']) {
    const r = measure(['forecast', quick ? '50000' : '100000', shape], {}, PARENT_WORKER);
    const row = { queued: Number(r.queued), shape, forecastMedianMs: Number(r.forecastMedianMs), parentViewMs: r.parentViewMs === null ? null : Number(r.parentViewMs), openSeconds: Number(r.openSeconds) };
    forecast.push(row);
    log(`positions+ETAs for ${row.queued} queued ${shape === 'children' ? "children of one parent" : 'ordinary jobs of the same shape'}: ${row.forecastMedianMs.toFixed(1)} ms${row.parentViewMs === null ? '' : `; the parent's view ${row.parentViewMs.toFixed(1)} ms`}; opened in ${row.openSeconds.toFixed(2)} s`);
  }
  return { accept, forecast };
}
