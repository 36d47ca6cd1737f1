import type { Engine } from '../core/engine-api';
import { EVENT_NAMES, type EventName, type ServerEvents } from '../../shared/contract';
import type { Job } from '../../shared/job';
import { publicView } from '../api/job-visibility';

/** Gets the event as JSON, serialized once however many clients receive it. */
export type EventJson = () => string;
/**
 * `json` is the event as it is; `publicJson` as members see another owner's job (job-visibility.ts),
 * also serialized once. They differ for `job.updated` only.
 */
export type HubListener<E extends EventName = EventName> = (event: E, payload: ServerEvents[E], json: EventJson, publicJson: EventJson) => void;

/**
 * One engine subscription per event, fanned out to every stream, socket and job watcher of
 * the server, so a busy queue costs one listener call per client and one JSON.stringify per event.
 */
export class EventHub {
  private readonly listeners = new Map<EventName, Set<HubListener>>();
  private readonly jobWatchers = new Map<string, Set<(job: Job) => void>>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    engine: Engine,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    for (const name of EVENT_NAMES) this.listeners.set(name, new Set());
    this.unsubscribe = EVENT_NAMES.map((name) =>
      engine.on(name, (payload: ServerEvents[typeof name]) => this.emit(name, payload)),
    );
  }

  /** Listens to the given events (default: all). Returns unsubscribe. */
  subscribe(listener: HubListener, events: readonly EventName[] = EVENT_NAMES): () => void {
    for (const name of events) this.listeners.get(name)!.add(listener);
    return () => {
      for (const name of events) this.listeners.get(name)?.delete(listener);
    };
  }

  /** `job.updated` for one job, without scanning every watcher on each update. */
  watchJob(id: string, listener: (job: Job) => void): () => void {
    let watchers = this.jobWatchers.get(id);
    if (!watchers) {
      watchers = new Set();
      this.jobWatchers.set(id, watchers);
    }
    watchers.add(listener);
    return () => {
      watchers.delete(listener);
      if (watchers.size === 0) this.jobWatchers.delete(id);
    };
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    // Sets are emptied, not dropped: clients that close later still unsubscribe cleanly.
    for (const set of this.listeners.values()) set.clear();
    this.jobWatchers.clear();
  }

  private emit<E extends EventName>(event: E, payload: ServerEvents[E]): void {
    let text: string | undefined;
    const json = () => (text ??= JSON.stringify(payload));
    let publicText: string | undefined;
    const publicJson = event === 'job.updated' ? () => (publicText ??= JSON.stringify(publicView(payload as Job))) : json;
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(event, payload, json, publicJson);
      } catch (error) {
        // One broken client must not stop the others (or the engine that emitted).
        this.onListenerError(error);
      }
    }
    if (event === 'job.updated') {
      const job = payload as Job;
      for (const watcher of this.jobWatchers.get(job.id) ?? []) {
        try {
          watcher(job);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
  }
}
