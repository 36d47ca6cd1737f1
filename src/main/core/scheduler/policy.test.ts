import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { decide, emptyRunningView, readyAt, switchBound, type Contender, type PolicyParams } from './policy';

const params: PolicyParams = {
  slots: 4,
  laneCaps: { interactive: 4, batch: 4, background: 2 },
  maxRunningPerOwner: null,
  agingMs: 0,
  switchBoundMs: 60_000,
};
const fair = { servedOf: () => 0 };
let seq = 0;
const head = (overrides: Partial<QueuedEntry>): Contender => {
  const entry: QueuedEntry = { seq: ++seq, kind: 'chat', model: 'a', owner: 'o', lane: 'interactive', priority: 5, createdAt: 0, runAt: 0, promptTokens: 1, maxTokens: null, ...overrides };
  const headReadyAt = readyAt(entry);
  return { entry, headReadyAt, groupServedAt: 0, agingFrom: headReadyAt, priority: entry.priority, owner: entry.owner, model: entry.model };
};
const lanes = (heads: Contender[]) => ({
  interactive: heads.filter((h) => h.entry.lane === 'interactive'),
  batch: heads.filter((h) => h.entry.lane === 'batch'),
  background: heads.filter((h) => h.entry.lane === 'background'),
});

describe('policy: model switches', () => {
  test('the switch bound halves per priority level above normal', () => {
    expect(switchBound(60_000, 3)).toBe(60_000);
    expect(switchBound(60_000, 5)).toBe(60_000);
    expect(switchBound(60_000, 7)).toBe(15_000);
    expect(switchBound(60_000, 9)).toBe(3_750);
  });

  test('work for another model waits its bound, then the switch drains in-flight work first', () => {
    const current = head({ model: 'a', lane: 'batch' });
    const other = head({ model: 'b', priority: 7 });
    const models = { active: 'a', activeSince: 0, loading: false, switchingTo: null };
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 14_999)).toMatchObject({ type: 'run', candidate: current });
    const busy = { ...emptyRunningView(), total: 1, byLane: { interactive: 0, batch: 1, background: 0 } };
    expect(decide(lanes([current, other]), busy, models, fair, params, 15_000)).toEqual({ type: 'drain', model: 'b' });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 15_000)).toEqual({ type: 'switch', model: 'b' });
  });

  test('a decided switch is kept to: the old model starts nothing new while it drains', () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const busy = { ...emptyRunningView(), total: 1, byLane: { interactive: 1, batch: 0, background: 0 } };
    const draining = { active: 'a', activeSince: 0, loading: false, switchingTo: 'b' };
    expect(decide(lanes([current, other]), busy, draining, fair, params, 1)).toEqual({ type: 'drain', model: 'b' });
    // Without the pending switch the old model's job would simply run.
    expect(decide(lanes([current, other]), busy, { ...draining, switchingTo: null }, fair, params, 1)).toMatchObject({ type: 'run' });
  });

  test('while a switch drains, the next job of the old model runs only if it ends before the last in-flight one', () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const busy = { ...emptyRunningView(), total: 1, byLane: { interactive: 1, batch: 0, background: 0 } };
    const draining = { active: 'a', activeSince: 0, loading: false, switchingTo: 'b' };
    const drainUntil = (lastFinishAt: number) => ({ lastFinishAt: () => lastFinishAt, serviceMs: () => 5_000 });
    // In flight until t=10,000: a 5 s job started at t=1,000 is done by then, so it costs the switch nothing.
    expect(decide(lanes([current, other]), busy, draining, fair, params, 1_000, drainUntil(10_000))).toEqual({
      type: 'backfill',
      candidate: current,
      model: 'b',
    });
    // Started at t=6,000 it would end at 11,000, after the drain: the switch waits for no one.
    expect(decide(lanes([current, other]), busy, draining, fair, params, 6_000, drainUntil(10_000))).toEqual({ type: 'drain', model: 'b' });
    // At t=3,000 it would end at 8,000 if the estimate held, but a fit needs room to spare (1.5×):
    // an estimate that ran over would delay the switch.
    expect(decide(lanes([current, other]), busy, draining, fair, params, 3_000, drainUntil(10_000))).toEqual({ type: 'drain', model: 'b' });
    expect(decide(lanes([current, other]), busy, draining, fair, params, 2_500, drainUntil(10_000))).toMatchObject({ type: 'backfill' });
    // Nothing in flight: nothing to fill, the switch happens now.
    expect(decide(lanes([current, other]), emptyRunningView(), draining, fair, params, 1_000, drainUntil(10_000))).toEqual({ type: 'switch', model: 'b' });
  });
});
