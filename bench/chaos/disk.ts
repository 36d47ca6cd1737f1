/**
 * The data directory on a 2 MB tmpfs that fills up, then turned read-only (root only: mount; else
 * skipped, saying so). Checks the error says so, the database stays intact (PRAGMA
 * integrity_check), nothing accepted is lost, and work is taken again once space is back.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { startHeadless } from '../../src/main/testing/headless-process';
import { tryJson, until, type Answer } from './chaos-support';

export interface DiskResult {
  skipped: string | null;
  full?: {
    acceptedBeforeFull: number;
    refusedWith: string;
    message: string;
    healthWhileFull: string;
    readsWhileFull: boolean;
    serverStayedUp: boolean;
    secondsToResumeAfterSpaceFreed: number;
    acceptedAfterRecovery: boolean;
    integrityCheck: string;
    lost: number;
  };
  readOnly?: { exitCode: number | string | null; message: string; afterRemountRw: { integrityCheck: string; jobsKept: number; lost: number } };
}

function mount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function checkDb(path: string): { integrity: string; ids: Set<string> } {
  const db = new Database(path, { readonly: true });
  const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  const ids = new Set((db.prepare('SELECT id FROM jobs').all() as { id: string }[]).map((r) => r.id));
  db.close();
  return { integrity, ids };
}

export async function runDisk(options: { log: (line: string) => void }): Promise<DiskResult> {
  if (process.getuid?.() !== 0) return { skipped: 'needs root to mount a small tmpfs (run as root, or see the unit tests that inject SQLITE_FULL)' };
  const mountPoint = mkdtempSync(join(tmpdir(), 'lmq-chaos-disk-'));
  if (!mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint])) return { skipped: 'mount -t tmpfs failed (no CAP_SYS_ADMIN here)' };
  const sim = await startSimulator({ models: ['model-a'], parallel: 4, tokensPerSecond: 2_000, timeScale: 0.05, seed: 6 });
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(700 * 1024));
    const server = await startHeadless({ backendUrl: sim.url, dataDir });
    const accepted: string[] = [];
    let refusal: Answer | null = null;
    const prompt = 'x'.repeat(4_000);
    for (let i = 0; i < 2_000 && !refusal; i++) {
      const answer = await tryJson(server.url, '/api/jobs', { body: { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: `${i} ${prompt}` }], max_tokens: 5 } } });
      if (answer.status === 202) accepted.push(answer.body.job.id as string);
      else refusal = answer;
    }
    options.log(`  full after ${accepted.length} accepted: ${refusal?.status} ${refusal?.body.error.code}`);
    const health = await tryJson(server.url, '/api/health');
    const read = await tryJson(server.url, `/api/jobs/${accepted[0]}`);
    rmSync(filler);
    const freed = Date.now();
    await until('writes to succeed again', async () => (await tryJson(server.url, '/api/health')).body?.storage?.status === 'ok', 30_000, 100);
    const secondsToResume = (Date.now() - freed) / 1000;
    const after = await tryJson(server.url, '/api/jobs', { body: { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'after' }], max_tokens: 5 } } });
    if (after.status === 202) accepted.push(after.body.job.id as string);
    const stayedUp = server.child.exitCode === null;
    server.child.kill('SIGTERM');
    await server.exited;
    const checked = checkDb(join(dataDir, 'lmqueue.db'));
    const full = {
      acceptedBeforeFull: accepted.length - (after.status === 202 ? 1 : 0),
      refusedWith: `${refusal?.status} ${refusal?.body.error.code}`,
      message: refusal?.body.error.message ?? '',
      healthWhileFull: `${health.status} storage ${health.body?.storage?.status}`,
      readsWhileFull: read.status === 200,
      serverStayedUp: stayedUp,
      secondsToResumeAfterSpaceFreed: secondsToResume,
      acceptedAfterRecovery: after.status === 202,
      integrityCheck: checked.integrity,
      lost: accepted.filter((id) => !checked.ids.has(id)).length,
    };

    // Read-only: the same directory remounted read-only while LM Queue is stopped.
    const remounted = mount(['-o', 'remount,ro', mountPoint]);
    let readOnly: DiskResult['readOnly'];
    if (remounted) {
      let exitCode: number | string | null = null;
      let message = '';
      try {
        const started = await startHeadless({ backendUrl: sim.url, dataDir });
        started.child.kill('SIGTERM');
        exitCode = 'started';
      } catch (error) {
        message = (error as Error).message.split('\n').find((line) => line.includes('lmqueue:')) ?? (error as Error).message.slice(0, 300);
        exitCode = /exited with (\w+)/.exec((error as Error).message)?.[1] ?? null;
      }
      mount(['-o', 'remount,rw', mountPoint]);
      const again = await startHeadless({ backendUrl: sim.url, dataDir });
      const health2 = await tryJson(again.url, '/api/health');
      again.child.kill('SIGTERM');
      await again.exited;
      const checked2 = checkDb(join(dataDir, 'lmqueue.db'));
      readOnly = {
        exitCode,
        message,
        afterRemountRw: { integrityCheck: `${checked2.integrity}; health ${health2.body?.storage?.status}`, jobsKept: checked2.ids.size, lost: accepted.filter((id) => !checked2.ids.has(id)).length },
      };
    }
    return { skipped: null, full, readOnly };
  } finally {
    await sim.close();
    mount(['-o', 'remount,rw', mountPoint]);
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
}
