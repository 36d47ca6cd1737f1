import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { WalCheckpointer, type CheckpointResult } from './wal-checkpointer';

export interface WalPolicyOptions {
  /** Path of a better-sqlite3 addon built for another ABI (Electron); null: Node's build. */
  nativeBinding: string | null;
  /** This thread restarts the WAL past `restartFrames` pages, or past `maxWalBytes` on disk. */
  restartFrames?: number | undefined;
  maxWalBytes?: number | undefined;
  onCheckpoint?: ((result: CheckpointResult) => void) | undefined;
  onCheckpointFailure?: ((error: Error) => void) | undefined;
}

/** Commits before checkpoints move to their own thread (a store that writes little never starts it). */
const BUSY_COMMITS = 64;
/** How often (in commits) the WAL's size is checked, and past what size this thread restarts it. */
const WAL_CHECK_EVERY = 128;
const MAX_WAL_BYTES = 256 * 2 ** 20;
const RESTART_FRAMES = 16_384;
/** After a restart came back busy, commits until the next try. */
const RESTART_RETRY_COMMITS = 16;
/** A restart waits until at most this many frames (4 MB) are still to be copied back. */
const RESTART_MAX_GAP_FRAMES = 1_024;
/** The WAL file is cut back to this size after each restart. */
const JOURNAL_SIZE_LIMIT = 64 * 2 ** 20;

/**
 * Keeps a busy store's WAL short. SQLite's automatic checkpoint runs inside the commit that
 * crosses its threshold, on this thread, with its fsyncs; once the store is busy, checkpoints
 * move to a worker thread (WalCheckpointer), and this thread restarts the WAL between
 * transactions when the worker's PASSIVE checkpoints cannot keep up.
 */
export class WalPolicy {
  private checkpointer: WalCheckpointer | null = null;
  private commits = 0;
  private nextWalCheck = WAL_CHECK_EVERY;
  /** The WAL should restart at the next check (the checkpoint thread is behind, or a try was busy). */
  private restartWanted = false;
  private readonly restartFrames: number;
  private readonly maxWalBytes: number;

  constructor(
    private readonly db: Database.Database,
    private readonly options: WalPolicyOptions,
  ) {
    this.restartFrames = options.restartFrames ?? RESTART_FRAMES;
    this.maxWalBytes = options.maxWalBytes ?? MAX_WAL_BYTES;
  }

  /** Call after each commit. */
  committed(): void {
    if (this.checkpointer) {
      this.checkpointer.wrote();
      if (++this.commits >= this.nextWalCheck) this.capWal();
      return;
    }
    if (++this.commits < BUSY_COMMITS || this.db.name === ':memory:') return;
    this.startCheckpointer().wrote();
  }

  /** Stops the checkpoint thread; resolves once its connection is closed. */
  close(): Promise<void> {
    return this.checkpointer?.close() ?? Promise.resolve();
  }

  private startCheckpointer(): WalCheckpointer {
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    this.checkpointer = new WalCheckpointer({
      file: this.db.name,
      nativeBinding: this.options.nativeBinding,
      onCheckpoint: (result) => {
        // The WAL is long and writes never pause long enough for it to start over by itself:
        // restart it at the next commit, once what is left to copy back is small (the restart
        // copies it on this thread, holding that commit).
        if (result.log >= this.restartFrames && result.log - result.checkpointed <= RESTART_MAX_GAP_FRAMES) {
          this.restartWanted = true;
          this.nextWalCheck = this.commits + 1;
        }
        this.options.onCheckpoint?.(result);
      },
      onFailure: (error) => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
        this.options.onCheckpointFailure?.(error);
      },
    });
    return this.checkpointer;
  }

  /**
   * Restarts the WAL from this thread, between transactions, when it has outgrown what PASSIVE
   * checkpoints keep up with: the checkpoint thread said so, or (for a writer that never yields
   * to the event loop, so its messages are not read) the file passed `maxWalBytes`.
   */
  private capWal(): void {
    this.nextWalCheck = this.commits + WAL_CHECK_EVERY;
    if (!this.restartWanted && this.walBytes() <= this.maxWalBytes) return;
    // Never wait here: a RESTART waits (busy handler) for every reader to leave the WAL, and a
    // reader that stays (someone's `sqlite3` shell, a backup) would stall each commit for the
    // whole busy timeout. Busy (that, or the checkpoint thread mid-checkpoint): try again soon.
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    let result: CheckpointResult | undefined;
    try {
      [result] = this.db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[];
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
    this.restartWanted = Boolean(result?.busy);
    if (this.restartWanted) this.nextWalCheck = this.commits + RESTART_RETRY_COMMITS;
  }

  private walBytes(): number {
    try {
      return statSync(`${this.db.name}-wal`).size;
    } catch {
      return 0; // no WAL file: nothing to cap
    }
  }
}
