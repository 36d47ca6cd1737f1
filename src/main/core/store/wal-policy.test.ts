import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { JobStore } from './job-store';
import { newJob, tempDbPath } from './testing/store-fixtures';
import { WalCheckpointer, type CheckpointResult } from './wal-checkpointer';

describe('WAL upkeep of a busy store', () => {
  test('a busy store checkpoints on its own thread, and the data stays whole', async () => {
    const path = tempDbPath();
    const reports: CheckpointResult[] = [];
    let caughtUp: () => void = () => {};
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    const store = new JobStore({
      path,
      onCheckpoint: (result) => {
        reports.push(result);
        if (result.log > 0 && result.checkpointed === result.log) caughtUp();
      },
    });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000); // quiet store: SQLite's own
    const jobs = Array.from({ length: 200 }, () => store.transaction(() => store.insert(newJob())));
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0); // busy: the thread's
    await done;
    expect(reports.every((r) => r.busy === 0)).toBe(true);
    await store.close();
    const reopened = new JobStore({ path });
    expect(reopened.countByState().queued).toBe(200);
    expect(reopened.getById(jobs[199]!.id)?.state).toBe('queued');
    await reopened.close();
  });

  test('the WAL stays bounded even when the writer never yields to the event loop', async () => {
    const path = tempDbPath();
    const store = new JobStore({ path, wal: { restartFrames: 256, maxWalBytes: 4 * 2 ** 20 } });
    const payload = { messages: [{ role: 'user', content: 'x'.repeat(2_000) }] };
    let last = '';
    // ~4,000 commits of a few pages each (over 40 MB of WAL if nothing checkpointed), all in
    // one synchronous run: the checkpoint thread gets no message answered, only its own timer.
    for (let i = 0; i < 4_000; i++) last = store.transaction(() => store.insert(newJob({ input: payload }))).id;
    expect(statSync(`${path}-wal`).size).toBeLessThan(16 * 2 ** 20);
    await store.close();
    const reopened = new JobStore({ path });
    expect(reopened.countByState().queued).toBe(4_000);
    expect(reopened.getById(last)?.state).toBe('queued');
    await reopened.close();
  });

  test('when checkpoints fall behind a steady writer, the writer restarts the WAL between its transactions', async () => {
    const path = tempDbPath();
    const logs: number[] = [];
    const store = new JobStore({ path, wal: { restartFrames: 256, maxWalBytes: 2 ** 40 }, onCheckpoint: (r) => logs.push(r.log) });
    const payload = { messages: [{ role: 'user', content: 'x'.repeat(2_000) }] };
    const walBytes = () => statSync(`${path}-wal`).size;
    // ~10 KB of WAL per commit; the event loop turns every 20 commits, so the checkpoint
    // thread's reports are read (the size backstop is out of reach: 1 TB). The thread starts
    // after a few hundred commits; from then on the WAL file must stop growing.
    let halfway = 0;
    for (let i = 0; i < 6_000; i++) {
      store.transaction(() => store.insert(newJob({ input: payload })));
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (i === 3_000) halfway = walBytes();
    }
    // Without restarts the second half alone adds ~30 MB; with them, a loaded machine (slow
    // reports from the thread) was seen to add 4 MB.
    expect(walBytes() - halfway).toBeLessThan(12 * 2 ** 20);
    expect(logs.some((log, i) => i > 0 && log < logs[i - 1]!)).toBe(true); // it did start over
    await store.close();
    const reopened = new JobStore({ path });
    expect(reopened.countByState().queued).toBe(6_000);
    await reopened.close();
  });

  test('a reader that keeps a snapshot open never holds a commit for the busy timeout', async () => {
    const path = tempDbPath();
    const store = new JobStore({ path, busyTimeoutMs: 5_000, wal: { maxWalBytes: 64 * 1024 } });
    store.transaction(() => store.insert(newJob()));
    // Someone's `sqlite3` shell in the middle of a read: the WAL cannot start over while it stays.
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM jobs').get();
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) store.transaction(() => store.insert(newJob()));
    const elapsed = performance.now() - started;
    reader.exec('COMMIT');
    reader.close();
    // Past 64 KB of WAL the store tries to restart it; a try that waited for the reader would
    // hold that commit for the whole 5 s busy timeout.
    expect(elapsed).toBeLessThan(5_000);
    expect(store.countByState().queued).toBe(1_001);
    await store.close();
  });

  test('a script whose last step is closing a busy store runs to its end', () => {
    // The checkpoint thread is unref'd; while it closed, nothing held the event loop, and Node
    // left with exit code 13 ("unsettled top-level await") before `close()` resolved.
    const script = `
      import { JobStore } from ${JSON.stringify(join(import.meta.dirname, 'job-store.ts'))};
      const store = new JobStore({ path: ${JSON.stringify(tempDbPath())} });
      const job = { kind: 'chat', model: 'm', owner: 'o', priority: 5, lane: 'batch', maxAttempts: 1, createdAt: 0, runAt: null, promptTokens: 1, maxTokens: null, input: {}, metadata: null };
      for (let i = 0; i < 200; i++) store.transaction(() => store.insert(job));
      await store.close();
      console.log('closed');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: child.status, stdout: child.stdout.trim() }).toEqual({ status: 0, stdout: 'closed' });
  });

  test('when the checkpoint thread fails, the failure is reported', async () => {
    const failure = new Promise<Error>((resolve) => {
      const checkpointer = new WalCheckpointer({ file: join(tempDbPath(), 'missing-dir', 'x.db'), nativeBinding: null, onFailure: resolve });
      checkpointer.wrote();
    });
    expect((await failure).message).toMatch(/unable to open|directory does not exist/i);
  });
});
