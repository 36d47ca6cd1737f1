import { describe, expect, test } from 'vitest';
import {
  etaAbsolutePercentError,
  fairnessWhileBacklogged,
  intersectIntervals,
  jainIndex,
  median,
  medianOfRuns,
  mergeIntervals,
  percentile,
  slotUtilization,
  summarizeEtaError,
} from './metrics';

describe('percentiles', () => {
  test('interpolate between ranks and ignore input order', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([1, 2, 3], 100)).toBe(3);
  });

  test('are NaN for no values', () => {
    expect(median([])).toBeNaN();
  });
});

describe('Jain fairness index', () => {
  test('is 1 for equal shares and 1/n when one owner gets everything', () => {
    expect(jainIndex([3, 3, 3])).toBe(1);
    expect(jainIndex([10, 0])).toBe(0.5);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25);
  });

  test('matches the formula for uneven shares', () => {
    // (3 + 1)² / (2 · (9 + 1)) = 0.8
    expect(jainIndex([3, 1])).toBeCloseTo(0.8);
  });

  test('counts nobody served as fair, and no owners as undefined', () => {
    expect(jainIndex([0, 0])).toBe(1);
    expect(jainIndex([])).toBeNaN();
  });
});

describe('intervals', () => {
  test('merge overlapping and touching spans, drop empty ones', () => {
    expect(mergeIntervals([{ start: 5, end: 7 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 6, end: 9 }, { start: 4, end: 4 }])).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ]);
  });

  test('intersect two unions', () => {
    const a = [{ start: 0, end: 10 }];
    const b = [{ start: 2, end: 4 }, { start: 8, end: 12 }];
    expect(intersectIntervals(a, b)).toEqual([
      { start: 2, end: 4 },
      { start: 8, end: 10 },
    ]);
  });
});

describe('slot utilization', () => {
  test('is busy slot-time over slots × span, clipped to the span', () => {
    const busy = [
      { start: 0, end: 10 },
      { start: 0, end: 10 },
      { start: 5, end: 15 }, // half of it outside the span
    ];
    expect(slotUtilization(busy, 4, { start: 0, end: 10 })).toBeCloseTo(25 / 40);
  });

  test('is 1 when every slot is busy throughout', () => {
    const busy = Array.from({ length: 4 }, () => ({ start: 0, end: 30 }));
    expect(slotUtilization(busy, 4, { start: 0, end: 30 })).toBe(1);
  });
});

describe('fairness while backlogged', () => {
  test('only counts service inside the window where every owner had work', () => {
    const result = fairnessWhileBacklogged([
      // Carol is backlogged 0-100; Dave only 20-60.
      { owner: 'carol', jobs: [{ start: 0, end: 100 }], service: [{ start: 0, end: 100 }] },
      { owner: 'dave', jobs: [{ start: 20, end: 40 }, { start: 40, end: 60 }], service: [{ start: 30, end: 60 }] },
    ]);
    expect(result.windowSeconds).toBe(40);
    expect(result.service).toEqual([40, 30]);
    expect(result.jain).toBeCloseTo((70 * 70) / (2 * (1600 + 900)));
  });

  test('is undefined when the owners were never backlogged together', () => {
    const result = fairnessWhileBacklogged([
      { owner: 'a', jobs: [{ start: 0, end: 1 }], service: [{ start: 0, end: 1 }] },
      { owner: 'b', jobs: [{ start: 2, end: 3 }], service: [{ start: 2, end: 3 }] },
    ]);
    expect(result.windowSeconds).toBe(0);
    expect(result.jain).toBeNaN();
  });
});

describe('ETA error', () => {
  test('is relative to the real wait, with a floor for jobs that barely waited', () => {
    expect(etaAbsolutePercentError({ predicted: 120, actual: 100 }, 5)).toBeCloseTo(20);
    expect(etaAbsolutePercentError({ predicted: 0, actual: 0.5 }, 5)).toBeCloseTo(10);
    expect(etaAbsolutePercentError({ predicted: 0, actual: 0 }, 5)).toBe(0);
  });

  test('summaries report the median percent and the median absolute seconds', () => {
    const summary = summarizeEtaError(
      [
        { predicted: 110, actual: 100 },
        { predicted: 50, actual: 100 },
        { predicted: 100, actual: 100 },
      ],
      5,
    );
    expect(summary).toMatchObject({ jobs: 3, medianPercent: 10, medianAbsoluteSeconds: 10, medianBiasPercent: 0 });
  });
});

describe('median of runs', () => {
  test('takes the median field by field and keeps non-numbers from the first run', () => {
    const runs = [
      { policy: 'x', wait: { p95: 3 }, shares: [1, 10], eta: null },
      { policy: 'x', wait: { p95: 1 }, shares: [2, 30], eta: null },
      { policy: 'x', wait: { p95: 2 }, shares: [3, 20], eta: null },
    ];
    expect(medianOfRuns(runs)).toEqual({ policy: 'x', wait: { p95: 2 }, shares: [2, 20], eta: null });
  });
});
