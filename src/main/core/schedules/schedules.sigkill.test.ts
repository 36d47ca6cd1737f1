/**
 * Never twice for one time, with real processes: an engine process (testing/schedule-host.ts)
 * with a daily schedule at 03:00 UTC, its clock started at 02:59:59, SIGKILLs itself at the
 * moment the 03:00 run fires; a second process on the same data directory, its clock at
 * 03:00:05 and catch-up on (so 03:00 is the run it would owe), must leave exactly one job for
 * 03:00 on disk, whichever side of the commit the kill fell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { tempDataDir } from './testing/schedule-fixtures';

const HOST = join(import.meta.dirname, 'testing', 'schedule-host.ts');
const FIRE_TIME = Date.parse('2026-03-01T03:00:00Z');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Host {
  child: ChildProcess;
  /** Resolves with the signal that ended the process (null: it exited by itself). */
  exited: Promise<NodeJS.Signals | null>;
  ready: Promise<void>;
}

function startHost(dataDir: string, clockStart: string, killAt?: 'in-fire' | 'after-fire'): Host {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LMQ_TEST_DATA_DIR: dataDir, LMQ_TEST_CLOCK_START: clockStart, LMQ_TEST_KILL_AT: killAt ?? '' },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
    void exited.then((signal) => reject(new Error(`host ended (${signal}) before it was ready: ${stderr}`)));
  });
  return { child, exited, ready };
}

async function killAndWait(host: Host): Promise<void> {
  host.child.kill('SIGKILL');
  expect(await host.exited).toBe('SIGKILL');
}

/** What is on disk, read by a connection of our own while no host runs. */
function onDisk(dataDir: string) {
  const db = new Database(join(dataDir, 'lmqueue.db'));
  try {
    const jobs = db
      .prepare(`SELECT id, created_at AS createdAt FROM jobs WHERE json_extract(metadata, '$.schedule') = 'nightly' ORDER BY seq`)
      .all() as { id: string; createdAt: number }[];
    const schedule = db.prepare(`SELECT last_fire_at AS lastFireAt, last_job_id AS lastJobId, fired, missed FROM schedules WHERE name = 'nightly'`).get() as {
      lastFireAt: number;
      lastJobId: string | null;
      fired: number;
      missed: number;
    };
    return { jobs, schedule };
  } finally {
    db.close();
  }
}

test('SIGKILL inside the fire, before its commit: nothing of it is on disk, and the restart makes the one job for 03:00', async () => {
  const dataDir = tempDataDir();
  const first = startHost(dataDir, '2026-03-01T02:59:59Z', 'in-fire');
  await first.ready;
  expect(await first.exited).toBe('SIGKILL');
  const killed = onDisk(dataDir);
  expect(killed.jobs).toEqual([]);
  expect(killed.schedule.lastFireAt).toBeLessThan(FIRE_TIME);
  expect(killed.schedule.fired).toBe(0);

  const second = startHost(dataDir, '2026-03-01T03:00:05Z');
  await second.ready;
  await killAndWait(second);
  const restarted = onDisk(dataDir);
  expect(restarted.jobs).toHaveLength(1);
  expect(restarted.schedule).toMatchObject({ lastFireAt: FIRE_TIME, lastJobId: restarted.jobs[0]!.id, fired: 1, missed: 0 });

  // And once more: a third start still owes nothing for 03:00.
  const third = startHost(dataDir, '2026-03-01T03:00:10Z');
  await third.ready;
  await killAndWait(third);
  expect(onDisk(dataDir).jobs).toEqual(restarted.jobs);
}, 60_000);

test('SIGKILL right after the fire committed: the restart, owed nothing, makes no second job for 03:00', async () => {
  const dataDir = tempDataDir();
  const first = startHost(dataDir, '2026-03-01T02:59:59Z', 'after-fire');
  await first.ready;
  expect(await first.exited).toBe('SIGKILL');
  const killed = onDisk(dataDir);
  expect(killed.jobs).toHaveLength(1);
  expect(killed.jobs[0]!.createdAt).toBeGreaterThanOrEqual(FIRE_TIME);
  expect(killed.schedule).toMatchObject({ lastFireAt: FIRE_TIME, lastJobId: killed.jobs[0]!.id, fired: 1 });

  const second = startHost(dataDir, '2026-03-01T03:00:05Z');
  await second.ready;
  await killAndWait(second);
  const restarted = onDisk(dataDir);
  expect(restarted.jobs).toEqual(killed.jobs);
  expect(restarted.schedule).toMatchObject({ lastFireAt: FIRE_TIME, fired: 1, missed: 0 });
}, 60_000);
