import { describe, expect, it } from 'vitest';
import type { ThroughputBucket, ThroughputHistory } from '../../../shared/throughput';
import { chartColumns, createThroughputController, hasActivity, mergeHistory, recentTokensPerSecond } from './throughput-store';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const bucket = (i: number, extra: Partial<ThroughputBucket> = {}): ThroughputBucket => ({
  start: T0 + i * 10_000,
  spanMs: 10_000,
  tokens: 0,
  finished: 0,
  queued: 0,
  running: 0,
  ...extra,
});
const history = (from: number, buckets: ThroughputBucket[]): ThroughputHistory => ({ bucketMs: 10_000, from, buckets });

describe('mergeHistory', () => {
  it('replaces the partial bucket it overlaps and appends the new ones', () => {
    const known = history(T0, [bucket(0, { tokens: 5 }), bucket(1, { tokens: 3, spanMs: 4_000 })]);
    const merged = mergeHistory(known, history(T0, [bucket(1, { tokens: 9 }), bucket(2, { tokens: 1, spanMs: 500 })]));
    expect(merged.buckets.map((b) => [b.start, b.tokens])).toEqual([
      [T0, 5],
      [T0 + 10_000, 9],
      [T0 + 20_000, 1],
    ]);
  });

  it('drops buckets that ended before the record now begins', () => {
    const known = history(T0, [bucket(0), bucket(1), bucket(2)]);
    const merged = mergeHistory(known, history(T0 + 15_000, [bucket(3)]));
    expect(merged.buckets.map((b) => b.start)).toEqual([T0 + 10_000, T0 + 20_000, T0 + 30_000]);
  });
});

describe('throughput controller', () => {
  it('reads the whole record on load, then asks only from its newest bucket on', async () => {
    const asked: unknown[] = [];
    const answers = [history(T0, [bucket(0, { tokens: 10 }), bucket(1, { spanMs: 3_000 })]), history(T0, [bucket(1, { tokens: 40 }), bucket(2, { spanMs: 1_000 })])];
    const controller = createThroughputController({
      invoke: (async (name: string, args: unknown) => {
        asked.push([name, args]);
        return answers.shift();
      }) as never,
    });
    await controller.load();
    await controller.refresh();
    expect(asked).toEqual([
      ['stats.throughput', {}],
      ['stats.throughput', { since: T0 + 10_000 }],
    ]);
    expect(controller.store.getState().history!.buckets.map((b) => b.tokens)).toEqual([10, 40, 0]);
  });

  it('keeps the error when the server cannot answer', async () => {
    const controller = createThroughputController({ invoke: (async () => Promise.reject(new Error('offline'))) as never });
    await controller.load();
    expect(controller.store.getState()).toMatchObject({ history: null, error: 'offline' });
  });
});

describe('what the LM Studio tab shows', () => {
  it('says there is no data while nothing at all happened', () => {
    expect(hasActivity(history(T0, [bucket(0), bucket(1)]))).toBe(false);
    expect(hasActivity(history(T0, [bucket(0), bucket(1, { queued: 1 })]))).toBe(true);
  });

  it('charts tokens per second per bucket, leaving out a current bucket too young to rate', () => {
    const columns = chartColumns(history(T0, [bucket(0, { tokens: 125, queued: 4, running: 2 }), bucket(1, { tokens: 2, spanMs: 300 })]));
    expect(columns).toEqual({ times: [T0 / 1000], tokensPerSecond: [12.5], queued: [4], running: [2] });
  });

  it('rates the last half minute, the current bucket included', () => {
    const buckets = [bucket(0, { tokens: 1_000 }), bucket(1, { tokens: 400 }), bucket(2, { tokens: 400 }), bucket(3, { tokens: 100, spanMs: 5_000 })];
    expect(recentTokensPerSecond(buckets)).toBe(900 / 25);
  });
});
