/**
 * The LM Studio tab's last hour, as the server recorded it (10-s buckets): read whole when the
 * tab opens, then only the newest buckets, appended, while it stays open.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import { tokensPerSecond, type ThroughputBucket, type ThroughputHistory } from '../../../shared/throughput';
import { toBridgeError } from '../bridge/bridge-error';

export interface ThroughputState {
  history: ThroughputHistory | null;
  error: string | null;
}

export interface ThroughputController {
  readonly store: StoreApi<ThroughputState>;
  /** Reads the whole record. */
  load(): Promise<void>;
  /** Reads the buckets from the newest one known on (it was partial) and appends them. */
  refresh(): Promise<void>;
}

/** `incoming` replaces what it overlaps and extends the end; buckets that end before its `from` go. */
export function mergeHistory(known: ThroughputHistory, incoming: ThroughputHistory): ThroughputHistory {
  const firstNew = incoming.buckets[0]?.start ?? Infinity;
  const kept = known.buckets.filter((b) => b.start < firstNew && b.start + incoming.bucketMs > incoming.from);
  return { bucketMs: incoming.bucketMs, from: incoming.from, buckets: [...kept, ...incoming.buckets] };
}

export function createThroughputController(bridge: Pick<Bridge, 'invoke'>): ThroughputController {
  const store = createStore<ThroughputState>(() => ({ history: null, error: null }));

  const read = async (since: number | undefined): Promise<void> => {
    try {
      const incoming = await bridge.invoke('stats.throughput', since === undefined ? {} : { since });
      const known = store.getState().history;
      store.setState({ history: known && since !== undefined ? mergeHistory(known, incoming) : incoming, error: null });
    } catch (error) {
      store.setState({ error: toBridgeError(error).message });
    }
  };

  return {
    store,
    load: () => read(undefined),
    refresh: () => {
      const newest = store.getState().history?.buckets.at(-1);
      return read(newest?.start);
    },
  };
}

/** Whether anything at all happened in the record: else the tab says there is no data yet. */
export function hasActivity(history: ThroughputHistory): boolean {
  return history.buckets.some((b) => b.tokens > 0 || b.finished > 0 || b.queued > 0 || b.running > 0);
}

/** A current bucket younger than this shows no rate yet: a fraction of a second says little. */
const MIN_RATE_SPAN_MS = 2_000;

/** Chart columns: x in seconds (uPlot's unit), tokens/s per bucket, most queued and running. */
export function chartColumns(history: ThroughputHistory): { times: number[]; tokensPerSecond: number[]; queued: number[]; running: number[] } {
  const buckets = history.buckets.filter((b) => b.spanMs >= MIN_RATE_SPAN_MS);
  return {
    times: buckets.map((b) => b.start / 1000),
    tokensPerSecond: buckets.map((b) => Math.round(tokensPerSecond(b) * 10) / 10),
    queued: buckets.map((b) => b.queued),
    running: buckets.map((b) => b.running),
  };
}

/** Tokens per second over the newest buckets that fit in `windowMs` (the current one included). */
export function recentTokensPerSecond(buckets: readonly ThroughputBucket[], windowMs = 30_000): number {
  let tokens = 0;
  let span = 0;
  for (let i = buckets.length - 1; i >= 0; i--) {
    const bucket = buckets[i]!;
    if (span > 0 && span + bucket.spanMs > windowMs) break;
    tokens += bucket.tokens;
    span += bucket.spanMs;
  }
  return span > 0 ? (tokens * 1000) / span : 0;
}
