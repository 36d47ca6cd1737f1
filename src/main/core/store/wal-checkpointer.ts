import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the commit that
 * crosses the threshold, on the caller's thread, and its fsyncs were most of the cost of a
 * claim + finish (measured: 2-2.5× the throughput with checkpoints moved off the main thread).
 *
 * The worker opens its own connection and keeps time itself, so a main thread too busy to read
 * messages cannot stall it: after a nudge it runs a PASSIVE checkpoint (never blocks the writer)
 * every `intervalMs` until everything written is copied back, then idles.
 *
 * The worker never runs a RESTART: that mode holds the writer lock while it copies and syncs,
 * and a writer kept waiting past its busy timeout fails its commit (seen under CPU and disk
 * load: "database is locked" in the middle of a dispatch pass). When writes never pause long
 * enough for PASSIVE to catch up, the store restarts the WAL on its own thread, between
 * transactions (`JobStore.capWal`); `onCheckpoint` tells it how far behind the worker is.
 *
 * If the worker fails, `onFailure` is called and the store goes back to SQLite's automatic
 * checkpoints: slower, never unsafe.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, {
  timeout: 0,
  ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}),
});
db.pragma('wal_autocheckpoint = 0');
let timer = null;
const checkpoint = () => {
  timer = null;
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage(result);
  // Keep going while writes arrive faster than they are copied back; idle once caught up.
  if (result.checkpointed < result.log || result.busy) timer = setTimeout(checkpoint, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  if (!timer) timer = setTimeout(checkpoint, workerData.intervalMs);
});
`;

export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  file: string;
  nativeBinding: string | null;
  /** Time between checkpoints while writes keep coming. */
  intervalMs?: number;
  onCheckpoint?: (result: CheckpointResult) => void;
  onFailure: (error: Error) => void;
}

/** The main thread nudges the worker at most this often (a message per commit would cost more). */
const NUDGE_INTERVAL_MS = 25;

export class WalCheckpointer {
  private readonly worker: Worker;
  private lastNudge = -Infinity;
  private closed = false;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: options.file,
        nativeBinding: options.nativeBinding,
        intervalMs: options.intervalMs ?? 50,
      },
    });
    this.worker.unref();
    this.worker.on('message', (result: CheckpointResult) => options.onCheckpoint?.(result));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the checkpoint thread exited (code ${code})`)));
  }

  /** A transaction committed: make sure checkpoints follow (the worker ignores a nudge while busy). */
  wrote(): void {
    if (this.closed) return;
    const now = performance.now();
    if (now - this.lastNudge < NUDGE_INTERVAL_MS) return;
    this.lastNudge = now;
    this.worker.postMessage('wrote');
  }

  /** Stops the thread; resolves once its connection is closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Held while closing: an unref'd worker let a script whose last step was `await close()`
    // leave before the exit event (Node's exit code 13, "unsettled top-level await").
    this.worker.ref();
    this.worker.postMessage('close');
    return exited;
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
    this.options.onFailure(error);
  }
}
