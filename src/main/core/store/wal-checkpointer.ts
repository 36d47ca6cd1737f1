import { Worker } from 'node:worker_threads';

/** What `PRAGMA wal_checkpoint` reports: frames in the log, and how many are copied back. */
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

/**
 * WAL checkpoints on a worker thread (wal-checkpoint-worker.js): SQLite's automatic checkpoint
 * runs inside the commit that crosses its threshold, on the caller's thread, and its fsyncs were
 * most of the cost of a claim + finish.
 *
 * The worker never runs a RESTART: that mode holds the writer lock while it copies and syncs,
 * and a writer kept waiting past its busy timeout fails its commit (seen under CPU and disk
 * load: "database is locked" in the middle of a dispatch pass). When writes never pause long
 * enough for PASSIVE to catch up, the store restarts the WAL on its own thread, between
 * transactions (`WalPolicy`); `onCheckpoint` tells it how far behind the worker is.
 *
 * If the worker fails, `onFailure` is called and the store goes back to SQLite's automatic
 * checkpoints: slower, never unsafe.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private lastNudge = -Infinity;
  private closed = false;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), {
      workerData: {
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
