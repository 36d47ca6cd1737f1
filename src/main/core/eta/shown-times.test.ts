import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LANES, type Lane } from '../../../shared/job';
import type { QueueNode } from '../scheduler/queue-index';
import { EtaCalibration } from './eta-calibration';
import { ShownTimes, startRange } from './shown-times';

const NOW = 1_000_000;

/** A calibration that has learned `factor` for each lane (jobs wait that many times their prediction). */
function calibrated(factors: Partial<Record<Lane, number>>): EtaCalibration {
  const calibration = new EtaCalibration();
  let seq = 0;
  for (const [lane, factor] of Object.entries(factors) as [Lane, number][]) {
    for (let p = 0; p < 10; p++) {
      for (let i = 0; i < 30; i++) {
        calibration.predicted(++seq, lane, p, NOW, 10_000);
        calibration.started(seq, NOW + 10_000 * factor);
      }
    }
  }
  return calibration;
}

const node = (model: string, lane: Lane, priority = 5): QueueNode => ({ model, lane, priority }) as unknown as QueueNode;

describe('shown start times', () => {
  test('a lateness factor never puts a later position before an earlier one of the same model', () => {
    // The case from the field: #1 (interactive) waits for a load and four busy slots, 31 s;
    // #2 (batch, whose jobs have started at a fifth of their forecast) would have shown 6 s.
    const calibration = calibrated({ batch: 0.2 });
    const order = [node('b', 'interactive'), node('b', 'batch')];
    const raw = Float64Array.from([NOW + 31_000, NOW + 31_000]);
    const shown = new ShownTimes(order, raw, NOW, calibration);
    expect(shown.startAt(0)).toBe(NOW + 31_000);
    expect(shown.startAt(1)).toBeGreaterThanOrEqual(shown.startAt(0));
  });

  test('property: read in any order, each shown start is what reading in order gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ model: fc.constantFrom('a', 'b'), lane: fc.constantFrom(...LANES), gap: fc.integer({ min: 0, max: 20_000 }) }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (specs, reads) => {
          const calibration = calibrated({ batch: 0.3, interactive: 2 });
          const order = specs.map((s) => node(s.model, s.lane));
          let t = NOW;
          const raw = Float64Array.from(specs.map((s) => (t += s.gap)));
          const inOrder = new ShownTimes(order, raw, NOW, calibration);
          const expected = order.map((_, i) => inOrder.startAt(i));
          // Over a replaced ShownTimes' longer buffer (stale times in it), read out of order.
          const scattered = new ShownTimes(order, raw, NOW, calibration, new Float64Array(order.length + 5).fill(-1));
          expect(scattered.length).toBe(order.length);
          for (const r of reads) expect(scattered.startAt(r % order.length)).toBe(expected[r % order.length]);
          for (const n of order) expect(scattered.earliestOf(n.model) ?? inOrder.earliestOf(n.model)).toBe(inOrder.earliestOf(n.model));
        },
      ),
    );
  });

  test('property: per model, shown starts follow positions and none is before its first start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ model: fc.constantFrom('a', 'b', 'e'), lane: fc.constantFrom(...LANES), priority: fc.integer({ min: 0, max: 9 }), gap: fc.integer({ min: 0, max: 20_000 }) }), { maxLength: 60 }),
        fc.record({ interactive: fc.double({ min: 0.125, max: 8, noNaN: true }), batch: fc.double({ min: 0.125, max: 8, noNaN: true }), background: fc.double({ min: 0.125, max: 8, noNaN: true }) }),
        (specs, factors) => {
          const calibration = calibrated(factors);
          const order = specs.map((s) => node(s.model, s.lane, s.priority));
          let t = NOW;
          const raw = Float64Array.from(specs.map((s) => (t += s.gap)));
          const shown = new ShownTimes(order, raw, NOW, calibration);
          const last = new Map<string, number>();
          order.forEach((n, i) => {
            const s = shown.startAt(i);
            expect(s).toBeGreaterThanOrEqual(last.get(n.model) ?? -Infinity);
            expect(s).toBeGreaterThanOrEqual(shown.earliestOf(n.model)!);
            last.set(n.model, s);
            const range = startRange(s, shown.earliestOf(n.model)!, NOW, calibration.range(n.lane, n.priority));
            expect(range.low).toBeLessThanOrEqual(s);
            expect(range.low).toBeGreaterThanOrEqual(shown.earliestOf(n.model)!);
            expect(range.high).toBeGreaterThan(s);
          });
        },
      ),
    );
  });
});
