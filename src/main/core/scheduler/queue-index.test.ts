import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { QueueIndex } from './queue-index';

let seq = 0;
const entry = (overrides: Partial<QueuedEntry> = {}): QueuedEntry => ({
  seq: ++seq,
  kind: 'chat',
  model: 'm',
  owner: 'a',
  lane: 'interactive',
  priority: 5,
  createdAt: 0,
  runAt: 0,
  promptTokens: 1,
  maxTokens: null,
  ...overrides,
});

describe('QueueIndex', () => {
  test('countAhead: higher priorities and older jobs of the same priority are ahead, removed ones are not', () => {
    const index = new QueueIndex();
    const old5 = entry();
    const high = entry({ priority: 7, owner: 'b', lane: 'batch' });
    const gone = entry({ priority: 9 });
    const low = entry({ priority: 1 });
    for (const e of [old5, high, gone, low]) index.add(e, 0);
    index.remove(gone.seq);
    const fresh5 = entry({ owner: 'c' });
    index.add(fresh5, 0);
    expect(index.countAhead(fresh5)).toBe(2); // old5 and high
    expect(index.countAhead(low)).toBe(3);
    expect(index.countAhead(high)).toBe(0);
  });

  test('delayed jobs join their group when due, in seq order; counts follow', () => {
    const index = new QueueIndex();
    const later = entry({ runAt: 100 });
    const now1 = entry();
    index.add(later, 0);
    index.add(now1, 0);
    expect(index.activeBuckets().interactive).toHaveLength(1);
    expect(index.nextDueAt()).toBe(100);
    expect(index.promoteDue(100)).toBe(1);
    const bucket = index.activeBuckets().interactive[0]!;
    expect(bucket.entry.seq).toBe(later.seq); // older seq first even though it joined later
    expect(index.size).toBe(2);
    expect(index.priorityCounts[5]).toBe(2);
    index.remove(later.seq);
    index.remove(now1.seq);
    expect(index.activeBuckets().interactive).toHaveLength(0);
    expect(index.laneCounts.interactive).toBe(0);
  });

  test('property: countAhead equals a count over all queued jobs (any adds, removals and re-adds)', () => {
    const op = fc.oneof(
      fc.record({ add: fc.record({ priority: fc.integer({ min: 0, max: 9 }), owner: fc.constantFrom('a', 'b', 'c') }) }),
      fc.record({ remove: fc.nat() }),
      fc.record({ readd: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const index = new QueueIndex();
        const queued = new Map<number, QueuedEntry>();
        const removed: QueuedEntry[] = [];
        for (const o of ops) {
          if ('add' in o) {
            const e = entry(o.add);
            index.add(e, 0);
            queued.set(e.seq, e);
          } else if ('remove' in o && queued.size > 0) {
            const e = [...queued.values()][o.remove % queued.size]!;
            index.remove(e.seq);
            queued.delete(e.seq);
            removed.push(e);
          } else if ('readd' in o && removed.length > 0) {
            // A retried job comes back with its old seq, among newer ones.
            const [e] = removed.splice(o.readd % removed.length, 1);
            index.add({ ...e! }, 0);
            queued.set(e!.seq, e!);
          }
        }
        for (const e of queued.values()) {
          const expected = [...queued.values()].filter(
            (o) => o.priority > e.priority || (o.priority === e.priority && o.seq < e.seq),
          ).length;
          expect(index.countAhead(e)).toBe(expected);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
