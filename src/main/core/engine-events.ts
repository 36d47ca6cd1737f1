/**
 * The engine's pushed events (job.updated, queue.changed, backend.changed): changes are
 * coalesced (ChangePublisher), and a flush shows each changed job as the API does, with its
 * position computed within a CPU budget.
 */
import { EventEmitter } from 'node:events';
import type { BackendState } from '../../shared/backend';
import type { EventName, ServerEvents } from '../../shared/contract';
import type { QueueCounts } from '../../shared/queue';
import { ChangePublisher } from './change-publisher';
import type { EngineLogger } from './config';
import type { LiveJobViews } from './live-job-views';
import type { QueueIndex } from './scheduler/queue-index';
import type { JobRecord } from './store/job-record';
import type { JobStore } from './store/job-store';

/** A burst beyond this many fresh records is read back instead (memory stays bounded). */
const MAX_FRESH_RECORDS = 4_096;

export interface EngineEventsDeps {
  store: JobStore;
  index: QueueIndex;
  views: LiveJobViews;
  /** Saves what the engine learned since the last flush (learned-state.ts). */
  saveLearned: () => void;
  logger: EngineLogger;
  counts: () => QueueCounts;
  paused: () => boolean;
}

export class EngineEvents {
  private readonly emitter = new EventEmitter();
  /**
   * Records just inserted and unchanged since (a burst of submissions): the next flush uses them
   * instead of reading each back. Any other change to a job drops its entry.
   */
  private readonly fresh = new Map<number, JobRecord>();
  private readonly publisher: ChangePublisher;

  constructor(private readonly deps: EngineEventsDeps) {
    this.emitter.setMaxListeners(0);
    this.publisher = new ChangePublisher({
      minIntervalMs: 50,
      maxIntervalMs: 2_000,
      onError: (error) => deps.logger.error({ err: error }, 'publishing changes failed'),
      flush: (changed, queueChanged) => this.flush(changed, queueChanged),
    });
  }

  on<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  jobChanged(seq: number): void {
    this.fresh.delete(seq);
    this.publisher.jobChanged(seq);
  }

  /** A record just inserted: the next flush may show it without reading it back. */
  inserted(record: JobRecord): void {
    if (this.fresh.size < MAX_FRESH_RECORDS) this.fresh.set(record.seq, record);
  }

  queueChanged(): void {
    this.publisher.queueChanged();
  }

  backendChanged(state: BackendState): void {
    this.emitter.emit('backend.changed', state);
    this.publisher.queueChanged();
  }

  close(): void {
    this.publisher.flushNow();
    this.publisher.close();
  }

  private flush(changed: ReadonlySet<number>, queueChanged: boolean): void {
    const { store, index, views } = this.deps;
    const forecaster = views.forecaster;
    // Positions are computed on demand (someone will see them) and within a CPU budget;
    // between forecasts, job.updated carries the latest positions.
    if (this.emitter.listenerCount('job.updated') > 0 && changed.size > 0) {
      // At most ~5% of the time on forecasts however large the queue (1M queued: ~1 s every 20 s).
      if (forecaster.affordable() || forecaster.ageMs() > Math.max(2_000, 20 * forecaster.lastDurationMs)) forecaster.current();
      for (const seq of changed) {
        const record = this.fresh.get(seq) ?? store.getBySeq(seq);
        if (record) this.emitter.emit('job.updated', views.view(record));
      }
    }
    this.fresh.clear();
    if (queueChanged) this.emitter.emit('queue.changed', { version: index.version, counts: this.deps.counts(), paused: this.deps.paused() });
    this.deps.saveLearned();
  }
}
