/**
 * LAN server benchmark (`npm run bench -- http`): how fast the server takes submissions, and how
 * much latency the queue adds in front of LM Studio (the simulator), measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/main/core/engine';
import type { Engine } from '../src/main/core/engine-api';
import { startServer, type RunningServer } from '../src/main/server/server';
import { startSimulator, type Simulator } from '../tools/lmstudio-sim/simulator';
import { measureAddedLatency, type AddedLatencyResult } from './http/added-latency';
import { startBareFastify } from './http/bare-fastify';
import { startBareProxy } from './http/bare-proxy';
import { measureSubmissions, type SubmissionLoadResult } from './http/submission-load';

export interface HttpBenchOptions {
  /** autocannon connections for the submission run (default 50). */
  connections?: number;
  /** Length of the submission run, s (default 5). */
  durationSeconds?: number;
  /** Sequential requests per target for the latency comparison (default 300). */
  latencySamples?: number;
  /** Worker threads for autocannon (default 1; 0 runs it on the server's thread). */
  workers?: number;
  /** Keep the queue in memory instead of a SQLite file in a temp dir (default false: durable, as deployed). */
  inMemory?: boolean;
  /** Print the table (default true). */
  print?: boolean;
}

export const HTTP_TARGETS = { submissionsPerSecond: 5_000, addedMedianMs: 2 } as const;

export interface HttpBenchResult {
  store: 'file' | 'memory';
  submissions: SubmissionLoadResult & { connections: number; durationSeconds: number };
  /** The same load against a bare Fastify route in the same run, and our share of it. */
  bareFastify: { requestsPerSecond: number; ratio: number };
  addedLatency: AddedLatencyResult;
  targets: typeof HTTP_TARGETS;
  pass: { submissions: boolean; addedCompletionMedian: boolean; addedFirstTokenMedian: boolean };
}

const MODEL = 'sim-model-a';

interface Stack {
  sim: Simulator;
  engine: Engine;
  server: RunningServer;
  close(): Promise<void>;
}

/** Simulator → engine (durable store in a temp dir, or in memory) → server on port 0. */
async function startStack(inMemory: boolean): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lmq-http-bench-'));
  // timeScale 0.001: generation takes microseconds, so what is measured is HTTP and the queue.
  const sim = await startSimulator({ port: 0, timeScale: 0.001, parallel: 4, loadSeconds: 0, minOutputTokens: 4, maxOutputTokens: 4 });
  const engine = await createEngine({ dataDir: inMemory ? null : dataDir, backend: { url: sim.url } });
  const server = await startServer({ engine, port: 0 });
  return {
    sim,
    engine,
    server,
    async close() {
      await server.close();
      await engine.close({ graceMs: 0 });
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function formatTable(result: HttpBenchResult): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const bareAdded = (value: number | null) => (value === null ? 'not measured' : `${ms(value)} (the extra hop alone)`);
  const { submissions: s, addedLatency: a } = result;
  const rows: [string, string, string][] = [
    ['submissions/s (POST /api/jobs)', Math.round(s.requestsPerSecond).toLocaleString('en-US'), `≥ ${HTTP_TARGETS.submissionsPerSecond}`],
    ['  bare Fastify route, same run', `${Math.round(result.bareFastify.requestsPerSecond).toLocaleString('en-US')} (ours: ${result.bareFastify.ratio.toFixed(2)}×)`, ''],
    ['  latency p50 / p99', `${ms(s.latencyP50Ms)} / ${ms(s.latencyP99Ms)}`, ''],
    ['  accepted / non-2xx / errors', `${s.accepted} / ${s.non2xx} / ${s.errors}`, ''],
    ['completion direct p50 / p99', `${ms(a.completion.direct.medianMs)} / ${ms(a.completion.direct.p99Ms)}`, ''],
    ['completion proxied p50 / p99', `${ms(a.completion.proxied.medianMs)} / ${ms(a.completion.proxied.p99Ms)}`, ''],
    ['  added p50 / p99', `${ms(a.completion.addedMedianMs)} / ${ms(a.completion.addedP99Ms)}`, `p50 ≤ ${HTTP_TARGETS.addedMedianMs} ms`],
    ['  bare pass-through proxy adds, p50', bareAdded(a.completion.bareProxyAddedMedianMs), ''],
    ['first token direct p50 / p99', `${ms(a.firstToken.direct.medianMs)} / ${ms(a.firstToken.direct.p99Ms)}`, ''],
    ['first token proxied p50 / p99', `${ms(a.firstToken.proxied.medianMs)} / ${ms(a.firstToken.proxied.p99Ms)}`, ''],
    ['  added p50 / p99', `${ms(a.firstToken.addedMedianMs)} / ${ms(a.firstToken.addedP99Ms)}`, `p50 ≤ ${HTTP_TARGETS.addedMedianMs} ms`],
    ['  bare pass-through proxy adds, p50', bareAdded(a.firstToken.bareProxyAddedMedianMs), ''],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const title = `HTTP server (${result.store} store; ${s.connections} connections × ${s.durationSeconds} s; ${a.samples} sequential samples per target)`;
  return [title, ...rows.map(line)].join('\n');
}

export async function runHttpBench(options: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const connections = options.connections ?? 50;
  const durationSeconds = options.durationSeconds ?? 5;

  // Submissions: dispatch paused, so every accepted job stays queued and the queue grows.
  let submissions: SubmissionLoadResult;
  const load = await startStack(options.inMemory ?? false);
  try {
    load.engine.setPaused(true);
    const token = load.engine.tokens.create({ name: 'bench', role: 'member' }).token;
    const run = { url: load.server.url, token, model: MODEL, connections, durationSeconds, workers: options.workers ?? 1 };
    await measureSubmissions({ ...run, durationSeconds: 1 }); // warm-up, as for the baseline
    submissions = await measureSubmissions(run);
  } finally {
    await load.close();
  }

  // Baseline in the same run: the same load on a bare Fastify route (no auth, queue or disk).
  const bare = await startBareFastify();
  let bareRequestsPerSecond: number;
  try {
    const run = { url: bare.url, token: 'none', model: MODEL, connections, durationSeconds, workers: options.workers ?? 1 };
    await measureSubmissions({ ...run, durationSeconds: 1 }); // warm-up
    bareRequestsPerSecond = (await measureSubmissions(run)).requestsPerSecond;
  } finally {
    await bare.close();
  }

  // Added latency: a fresh, empty queue, so each request runs at once.
  let addedLatency: AddedLatencyResult;
  const latency = await startStack(options.inMemory ?? false);
  const bareProxy = await startBareProxy(latency.sim.url);
  try {
    addedLatency = await measureAddedLatency({
      directUrl: latency.sim.url,
      proxyUrl: latency.server.url,
      bareProxyUrl: bareProxy.url,
      model: MODEL,
      samples: options.latencySamples ?? 300,
      warmup: 30,
    });
  } finally {
    await bareProxy.close();
    await latency.close();
  }

  const result: HttpBenchResult = {
    store: options.inMemory ? 'memory' : 'file',
    submissions: { ...submissions, connections, durationSeconds },
    bareFastify: { requestsPerSecond: bareRequestsPerSecond, ratio: submissions.requestsPerSecond / bareRequestsPerSecond },
    addedLatency,
    targets: HTTP_TARGETS,
    pass: {
      submissions: submissions.requestsPerSecond >= HTTP_TARGETS.submissionsPerSecond,
      addedCompletionMedian: addedLatency.completion.addedMedianMs <= HTTP_TARGETS.addedMedianMs,
      addedFirstTokenMedian: addedLatency.firstToken.addedMedianMs <= HTTP_TARGETS.addedMedianMs,
    },
  };
  if (options.print ?? true) process.stdout.write(`${formatTable(result)}\n`);
  return result;
}
