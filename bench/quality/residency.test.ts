import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { totalLength, type Interval } from './metrics';
import { occupancyByResidency, residencySpans } from './residency';

describe('residency timeline', () => {
  it('cuts the run by what is resident: a switch shows its load, and a model loaded alongside joins the set', () => {
    const spans = residencySpans(
      ['a'],
      [
        { type: 'unload', model: 'a', at: 10 },
        { type: 'load', model: 'b', start: 10, end: 13 },
        { type: 'load', model: 'e', start: 20, end: 21 },
      ],
      30,
    );
    expect(spans).toEqual([
      { state: 'a', start: 0, end: 10 },
      { state: 'loading b', start: 10, end: 13 },
      { state: 'b', start: 13, end: 20 },
      { state: 'loading e', start: 20, end: 21 },
      { state: 'b+e', start: 21, end: 30 },
    ]);
  });

  it('counts each state by how many requests held a slot, a slot handed straight on counting once', () => {
    const spans = [
      { state: 'a', start: 0, end: 10 },
      { state: 'loading b', start: 10, end: 13 },
      { state: 'b', start: 13, end: 20 },
    ];
    const busy = [
      { start: 0, end: 10 },
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 13, end: 15 },
    ];
    const table = occupancyByResidency(spans, busy, 2);
    expect(table.get('a')).toEqual([0, 2, 8]);
    expect(table.get('loading b')).toEqual([3, 0, 0]);
    expect(table.get('b')).toEqual([5, 2, 0]);
  });

  it('accounts for every second and every busy slot-second, whatever the requests', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 30 })).map(([start, length]): Interval => ({ start, end: start + length }));
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 30 }), fc.uniqueArray(fc.integer({ min: 1, max: 129 }), { maxLength: 6 }), (busy, cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), 130];
        const spans = bounds.slice(1).map((end, i) => ({ state: `s${i % 3}`, start: bounds[i]!, end }));
        const slots = 64; // above any overlap, so no occupancy is folded into the last entry
        const table = occupancyByResidency(spans, busy, slots);
        const rows = [...table.values()];
        const seconds = rows.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
        const slotSeconds = rows.reduce((sum, row) => sum + row.reduce((a, b, n) => a + b * n, 0), 0);
        expect(seconds).toBeCloseTo(130, 9);
        const inside = busy.map((b) => ({ start: Math.max(0, b.start), end: Math.min(130, b.end) }));
        expect(slotSeconds).toBeCloseTo(inside.reduce((sum, b) => sum + totalLength([b]), 0), 9);
      }),
    );
  });
});
