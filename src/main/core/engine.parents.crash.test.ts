/**
 * kill -9 a process mid-batch (children still being added, some running, some done), restart
 * it on the same data directory: the batch goes on where it was, every child is answered once
 * it succeeded, and LM Studio (the simulator) never ran one child twice at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { startSimulator, type Simulator } from '../../../tools/lmstudio-sim/simulator';
import type { ChildCounts } from '../../shared/job';
import { HostProcesses, type HostProcess } from './testing/host-process';

const HOST = join(import.meta.dirname, 'testing', 'parent-crash-host.ts');
const hosts = new HostProcesses();
let sim: Simulator | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  hosts.killAll();
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface HostLine {
  parent: string;
  children: ChildCounts;
  done?: boolean;
  state?: string;
  childIds?: string[];
}

/** Starts the host; `until` sees each line it prints and resolves the promise when it says so. */
function runHost(backendUrl: string, dir: string, count: number, until: (line: HostLine) => boolean): HostProcess<HostLine> {
  return hosts.start(HOST, [dir, backendUrl, String(count)], until);
}

test('kill -9 mid-batch and restart: the batch goes on, every child succeeds, none ran twice at once', async () => {
  sim = await startSimulator({ models: ['model-a'], parallel: 4, tokensPerSecond: 40, timeScale: 0.05, seed: 5 });
  dataDir = mkdtempSync(join(tmpdir(), 'lmq-parent-crash-'));
  const total = 200;
  // Killed while children are still being added, some run and some are done.
  const first = runHost(sim.url, dataDir, total, (l) => l.children.succeeded >= 5 && l.children.running > 0 && l.children.total < total);
  const before = await first.reached;
  await hosts.kill(first.child);

  const second = runHost(sim.url, dataDir, total, (l) => l.done === true);
  const done = await second.reached;
  expect(done.parent).toBe(before.parent);
  expect(done.state).toBe('succeeded');
  expect(done.children).toEqual({ total, queued: 0, running: 0, succeeded: total, failed: 0, canceled: 0 });
  expect(done.childIds).toHaveLength(total);

  const record = sim.record;
  const ids = new Set(done.childIds);
  const byChild = new Map<string, { startedAt: number; finishedAt: number; ok: boolean }[]>();
  for (const r of record.requests) {
    if (!r.clientRequestId || !ids.has(r.clientRequestId) || r.startedAt === null) continue;
    const runs = byChild.get(r.clientRequestId) ?? [];
    runs.push({ startedAt: r.startedAt, finishedAt: r.finishedAt ?? Infinity, ok: r.finishedAt !== null && !r.aborted && r.status === 200 });
    byChild.set(r.clientRequestId, runs);
  }
  expect(byChild.size).toBe(total);
  for (const [id, runs] of byChild) {
    runs.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt, `${id} ran twice at once`).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt);
  }
  // Only a child in flight at the kill is asked again.
  const askedTwice = [...byChild.values()].filter((runs) => runs.length > 1).length;
  expect(askedTwice).toBeLessThanOrEqual(4);
}, 60_000);
