/** What the chaos scenarios share: a free loopback port, a server's RSS, JSON calls that may fail. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { RequestRecord } from '../../tools/lmstudio-sim/simulator';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resident set of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked by the scenario
}

/** A JSON call; a refused or reset connection is status 0. */
export async function tryJson(url: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  try {
    const response = await fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Jobs LM Studio was asked to run twice at the same time (from the simulator's own record). */
export function overlappingRuns(requests: readonly RequestRecord[]): number {
  const byJob = new Map<string, { start: number; end: number }[]>();
  for (const r of requests) {
    if (!r.clientRequestId) continue;
    const list = byJob.get(r.clientRequestId) ?? [];
    list.push({ start: r.arrivedAt, end: r.finishedAt ?? Number.POSITIVE_INFINITY });
    byJob.set(r.clientRequestId, list);
  }
  let overlapping = 0;
  for (const intervals of byJob.values()) {
    intervals.sort((a, b) => a.start - b.start);
    if (intervals.some((interval, i) => i > 0 && interval.start < intervals[i - 1]!.end)) overlapping++;
  }
  return overlapping;
}

/** How many times LM Studio was sent each job. */
export function sendsPerJob(requests: readonly RequestRecord[]): Map<string, number> {
  const sends = new Map<string, number>();
  for (const r of requests) if (r.clientRequestId) sends.set(r.clientRequestId, (sends.get(r.clientRequestId) ?? 0) + 1);
  return sends;
}
