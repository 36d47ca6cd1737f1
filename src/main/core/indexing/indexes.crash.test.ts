/**
 * kill -9 a process mid-embedding, restart it on the same data directory: the index job goes on
 * from the chunks already stored (no file is read into new chunks, no child is added twice), only
 * the requests in flight at the kill are asked again, and every chunk ends with its vector.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { startSimulator, type Simulator } from '../../../../tools/lmstudio-sim/simulator';
import type { ChildCounts } from '../../../shared/job';
import { HostProcesses, type HostProcess } from '../testing/host-process';

const HOST = join(import.meta.dirname, '..', 'testing', 'index-crash-host.ts');
const hosts = new HostProcesses();
let sim: Simulator | undefined;
let dir: string | undefined;

afterEach(async () => {
  hosts.killAll();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface HostLine {
  job: string;
  children: ChildCounts;
  chunks: number;
  embedded: number;
  done?: boolean;
  state?: string;
  childIds?: string[];
}

function runHost(backendUrl: string, dataDir: string, root: string, until: (line: HostLine) => boolean): HostProcess<HostLine> {
  return hosts.start(HOST, [dataDir, backendUrl, root], until);
}

test('kill -9 mid-embedding and restart: the job goes on from the stored chunks; only requests in flight are asked again', async () => {
  sim = await startSimulator({ models: ['text-embedding-sim'], parallel: 2, timeScale: 1, seed: 3 });
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-index-crash-')));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'docs'), { recursive: true });
  // 60 files of ~3 chunks each: about 180 chunks, 12 embedding requests of 16.
  for (let i = 0; i < 60; i++) {
    const words = Array.from({ length: 60 }, (_, w) => `word${(i * 7 + w) % 97}`).join(' ');
    writeFileSync(join(root, 'docs', `file-${String(i).padStart(2, '0')}.txt`), words);
  }
  const dataDir = join(dir, 'data');
  const first = runHost(sim.url, dataDir, root, (l) => l.embedded > 0 && l.children.queued > 0);
  const before = await first.reached;
  await hosts.kill(first.child);
  expect(before.embedded).toBeGreaterThan(0);
  expect(before.embedded).toBeLessThan(before.chunks);

  const second = runHost(sim.url, dataDir, root, (l) => l.done === true);
  const done = await second.reached;
  expect(done.job).toBe(before.job);
  expect(done.state).toBe('succeeded');
  // The same chunks (none made again from the files), every one with its vector; no child added twice.
  expect([done.chunks, done.embedded]).toEqual([before.chunks, before.chunks]);
  expect(done.children.total).toBe(before.children.total);
  expect(done.children.succeeded).toBe(done.children.total);

  const asked = new Map<string, number>();
  for (const r of sim.record.requests) if (r.clientRequestId && done.childIds!.includes(r.clientRequestId)) asked.set(r.clientRequestId, (asked.get(r.clientRequestId) ?? 0) + 1);
  expect(asked.size).toBe(done.children.total);
  const askedTwice = [...asked.values()].filter((n) => n > 1).length;
  expect(askedTwice).toBeLessThanOrEqual(2); // the simulator's two slots
}, 60_000);
