import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the commit that
 * crosses the threshold, on the caller's thread, and its fsyncs were most of the cost of a
 * claim + finish (measured: 2-2.5× the throughput with checkpoints moved off the main thread).
 * The worker opens its own connection and runs PASSIVE checkpoints, which never block the
 * writer; when the WAL still grows past `restartFrames` (writes never paused long enough for a
 * checkpoint to catch up), it runs one RESTART so the file starts over.
 *
 * If the worker fails, `onFailure` is called and the store goes back to SQLite's automatic
 * checkpoints: slower, never unsafe.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, {
  timeout: 5000,
  ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}),
});
db.pragma('wal_autocheckpoint = 0');
let timer = null;
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log >= workerData.restartFrames) [result] = db.pragma('wal_checkpoint(RESTART)');
    parentPort.postMessage(result);
  }, workerData.delayMs);
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
  /** Writes are gathered this long before a checkpoint runs. */
  delayMs?: number;
  /** WAL frames (pages) past which a checkpoint waits for the writer to restart the file. */
  restartFrames?: number;
  onCheckpoint?: (result: CheckpointResult) => void;
  onFailure: (error: Error) => void;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  /** A checkpoint is asked for and not yet reported: further writes need no message. */
  private requested = false;
  private closed = false;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: options.file,
        nativeBinding: options.nativeBinding,
        delayMs: options.delayMs ?? 20,
        restartFrames: options.restartFrames ?? 16_384,
      },
    });
    this.worker.unref();
    this.worker.on('message', (result: CheckpointResult) => {
      this.requested = false;
      options.onCheckpoint?.(result);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the checkpoint thread exited (code ${code})`)));
  }

  /** A transaction committed: make sure a checkpoint follows. */
  wrote(): void {
    if (this.requested || this.closed) return;
    this.requested = true;
    this.worker.postMessage('wrote');
  }

  /** Stops the thread; resolves once its connection is closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
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
