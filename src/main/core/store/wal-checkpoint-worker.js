// @ts-check
/**
 * The checkpoint thread started by WalCheckpointer (wal-checkpointer.ts). Plain JavaScript so
 * that Node, tsx, vitest and the electron-vite build all load the same file as it is.
 *
 * It opens its own connection and keeps time itself, so a main thread too busy to read messages
 * cannot stall it: after a nudge it runs a PASSIVE checkpoint (never blocks the writer) every
 * `intervalMs` until everything written is copied back, then idles.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string, nativeBinding: string | null, intervalMs: number }} */
const { file, nativeBinding, intervalMs } = workerData;
const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker.js runs as a worker thread only');

const db = new Database(file, { timeout: 0, ...(nativeBinding ? { nativeBinding } : {}) });
db.pragma('wal_autocheckpoint = 0');

/** @type {ReturnType<typeof setTimeout> | null} */
let timer = null;

function checkpoint() {
  timer = null;
  const [result] = /** @type {{ busy: number, log: number, checkpointed: number }[]} */ (db.pragma('wal_checkpoint(PASSIVE)'));
  port.postMessage(result);
  // Keep going while writes arrive faster than they are copied back; idle once caught up.
  if (result && (result.checkpointed < result.log || result.busy)) timer = setTimeout(checkpoint, intervalMs);
}

port.on('message', (message) => {
  if (message === 'close') {
    if (timer) clearTimeout(timer);
    db.close();
    port.close();
    return;
  }
  timer ??= setTimeout(checkpoint, intervalMs);
});
