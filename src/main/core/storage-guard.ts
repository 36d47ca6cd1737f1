/**
 * The engine's watch over its data directory: when a write fails because the disk is full or
 * has turned read-only, new work is refused (503 storage_*), reads go on, the dispatcher holds
 * finished jobs' outcomes in memory, and a small write is tried every few seconds until one
 * succeeds; then everything resumes by itself.
 */
import type { StorageState } from '../../shared/backend';
import type { Clock } from './clock';
import type { EngineLogger } from './config';
import { describeStorageFailure, storageStatusOf, storageUnavailable } from './store/storage-health';

/** How often a write is tried while the data directory takes none. */
export const STORAGE_PROBE_MS = 2_000;

export interface StorageGuardDeps {
  /** The database file, named in every message. */
  path: string;
  clock: Clock;
  logger: EngineLogger;
  /** A tiny write; throws while the directory takes no writes. */
  probe: () => void;
  /** After a rolled-back commit: memory agrees with the disk again. */
  reconcile: () => void;
  /** The storage state changed (events, health). */
  changed: () => void;
  /** Writes succeed again: dispatch, and write the outcomes held in memory. */
  resumed: () => void;
}

export class StorageGuard {
  private current: Omit<StorageState, 'unsavedResults'>;
  private timer: unknown = null;
  private closed = false;

  constructor(private readonly deps: StorageGuardDeps) {
    this.current = { status: 'ok', path: deps.path, message: null, since: new Date(deps.clock.now()).toISOString() };
  }

  get ok(): boolean {
    return this.current.status === 'ok';
  }

  state(unsavedResults: number): StorageState {
    return { ...this.current, unsavedResults };
  }

  /** Handles `error` if it is the data directory failing (true), else leaves it to the caller (false). */
  failed(error: unknown): boolean {
    const status = storageStatusOf(error);
    if (status === null) return false;
    const message = describeStorageFailure(status, this.deps.path, error);
    if (this.current.status !== status) {
      this.current = { status, path: this.deps.path, message, since: new Date(this.deps.clock.now()).toISOString() };
      this.deps.logger.error({ path: this.deps.path, code: (error as { code?: string }).code }, `${message}; refusing new work until writes succeed again`);
    }
    this.deps.reconcile();
    this.arm();
    this.deps.changed();
    return true;
  }

  /** Before new work is taken. */
  refuseWhileDown(): void {
    if (!this.ok) throw storageUnavailable(this.state(0));
  }

  /** Runs a write; a storage failure becomes the 503 callers see. */
  guard<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (this.failed(error)) throw storageUnavailable(this.state(0));
      throw error;
    }
  }

  /** What a caller awaiting durability is told when the commit failed. */
  explain(error: unknown): unknown {
    return storageStatusOf(error) === null ? error : storageUnavailable(this.ok ? { ...this.state(0), status: storageStatusOf(error)!, message: describeStorageFailure(storageStatusOf(error)!, this.deps.path, error) } : this.state(0));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      try {
        this.deps.probe();
      } catch (error) {
        if (storageStatusOf(error) === null) this.deps.logger.warn({ err: (error as Error).message }, 'storage probe failed');
        this.arm();
        return;
      }
      this.deps.logger.info({ path: this.deps.path }, 'the data directory takes writes again; resuming');
      this.current = { status: 'ok', path: this.deps.path, message: null, since: new Date(this.deps.clock.now()).toISOString() };
      this.deps.changed();
      this.deps.resumed();
    }, STORAGE_PROBE_MS);
  }
}
