import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { countModel, decide, emptyRunningView, readyAt, switchBound, type Contender, type PolicyParams, type RunningView } from './policy';
import { modelViewOf } from './resident-set';

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

const runningOn = (model: string, n = 1, lane: 'interactive' | 'batch' = 'interactive'): RunningView => {
  const view = emptyRunningView();
  view.total = n;
  view.byLane[lane] = n;
  countModel(view, model, n);
  return view;
};

describe('policy: the resident set', () => {
  test('the switch bound halves per priority level above normal', () => {
    expect(switchBound(60_000, 3)).toBe(60_000);
    expect(switchBound(60_000, 5)).toBe(60_000);
    expect(switchBound(60_000, 7)).toBe(15_000);
    expect(switchBound(60_000, 9)).toBe(3_750);
  });

  test('work for any resident model runs at once: no drain, no switch (the RAG pair)', () => {
    const chat = head({ model: 'llm' });
    const embed = head({ model: 'embed' });
    const models = modelViewOf({ resident: { llm: 4, embed: 4 }, sizes: { llm: 4, embed: 1 } });
    // The LLM is busy; the embedding model's job still starts now.
    expect(decide(lanes([chat, embed]), runningOn('llm', 1), models, fair, params, 0)).toMatchObject({ type: 'run', candidate: chat });
    expect(decide(lanes([embed]), runningOn('llm', 1), models, fair, params, 0)).toMatchObject({ type: 'run', candidate: embed });
  });

  test("a model's own slots bound it, whatever the global slots say", () => {
    const a = head({ model: 'a' });
    const b = head({ model: 'b' });
    const models = modelViewOf({ resident: { a: 1, b: 2 } });
    expect(decide(lanes([a, b]), runningOn('a', 1), models, fair, params, 0)).toMatchObject({ type: 'run', candidate: b });
    expect(decide(lanes([a]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'wait' });
  });

  test('a missing model that fits is loaded beside the others, even while every slot is busy', () => {
    const other = head({ model: 'b' });
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 8 });
    expect(decide(lanes([other]), runningOn('a', 4, 'batch'), models, fair, params, 0)).toEqual({ type: 'load', model: 'b' });
    // One load at a time.
    expect(decide(lanes([other]), runningOn('a', 4, 'batch'), { ...models, busy: true }, fair, params, 0)).toEqual({ type: 'wait' });
  });

  test('a model that does not fit waits its bound while the model to unload has work, then room is made', () => {
    const current = head({ model: 'a', lane: 'batch' });
    const other = head({ model: 'b', priority: 7 });
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 14_999)).toMatchObject({ type: 'run', candidate: current });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 15_000)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: true });
    // With no work left for `a`, room is made at once.
    expect(decide(lanes([other]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: true });
    // Room for batch work is made by waiting only: preempting is for interactive work.
    const batchOther = head({ model: 'b', lane: 'batch' });
    expect(decide(lanes([batchOther]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: false });
  });

  test('making room: victims start nothing new, are unloaded once idle, then the model loads', () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const making = { model: 'b', victims: ['a'] };
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making };
    expect(decide(lanes([current, other]), runningOn('a', 1), models, fair, params, 1)).toEqual({ type: 'wait' });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 1)).toEqual({ type: 'unload', model: 'a' });
    const unloaded = { ...models, resident: new Map<string, number>() };
    expect(decide(lanes([current, other]), emptyRunningView(), unloaded, fair, params, 1)).toEqual({ type: 'load', model: 'b' });
    // The work it was for went away: the room-making is dropped.
    expect(decide(lanes([current]), runningOn('a', 1), models, fair, params, 1)).toEqual({ type: 'abandon' });
  });

  test('victims are chosen idle first, then least recently used, never pinned', () => {
    const other = head({ model: 'c' });
    const models = modelViewOf({ resident: { a: 4, b: 4, e: 4 }, sizes: { a: 4, b: 4, c: 4, e: 1 }, budgetBytes: 9, pinned: ['e'] });
    models.lastUsedAt.set('a', 10).set('b', 5);
    expect(decide(lanes([other]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'c', victims: ['b'], preempt: true });
    expect(decide(lanes([other]), runningOn('b', 1), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'c', victims: ['a'], preempt: true });
    // Pinned models leave no room at all: the model can never load.
    const tight = modelViewOf({ resident: { e: 4 }, sizes: { c: 4, e: 1 }, budgetBytes: 4, pinned: ['e'] });
    expect(decide(lanes([other]), emptyRunningView(), tight, fair, params, 0)).toEqual({ type: 'reject', model: 'c' });
  });

  test("while room is made, a victim's next job runs only if it ends before the victim's last in-flight one", () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making: { model: 'b', victims: ['a'] } };
    const drainUntil = (lastFinishAt: number) => ({ lastFinishAt: () => lastFinishAt, serviceMs: () => 5_000 });
    const busy = runningOn('a', 1);
    // In flight until t=10,000: a 5 s job started at t=1,000 is done by then, so it costs the room nothing.
    expect(decide(lanes([current, other]), busy, models, fair, params, 1_000, drainUntil(10_000))).toEqual({ type: 'backfill', candidate: current });
    expect(decide(lanes([current, other]), busy, models, fair, params, 6_000, drainUntil(10_000))).toEqual({ type: 'wait' });
    // A fit needs room to spare (1.5×): an estimate that ran over would delay the room.
    expect(decide(lanes([current, other]), busy, models, fair, params, 3_000, drainUntil(10_000))).toEqual({ type: 'wait' });
    expect(decide(lanes([current, other]), busy, models, fair, params, 2_500, drainUntil(10_000))).toMatchObject({ type: 'backfill' });
  });

  test('without a load API every resident model must be idle before a just-in-time load, and nothing runs during it', () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const models = modelViewOf({ resident: { a: 4 }, canLoadAlongside: false });
    expect(decide(lanes([other]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: true });
    const making = { ...models, making: { model: 'b', victims: ['a'] } };
    expect(decide(lanes([other]), runningOn('a', 1), making, fair, params, 0)).toEqual({ type: 'wait' });
    expect(decide(lanes([other]), emptyRunningView(), making, fair, params, 0)).toEqual({ type: 'load', model: 'b' });
    expect(decide(lanes([current]), emptyRunningView(), { ...models, busy: true }, fair, params, 0)).toEqual({ type: 'wait' });
  });
});
