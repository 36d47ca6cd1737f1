import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { CLAIM_AGING_SLOWDOWN, countModel, decide, emptyRunningView, INTERACTIVE_SWITCH_SHARE, nextSwitchDueAt, readyAt, switchBound, type Contender, type PolicyParams, type RunningView } from './policy';
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
    // Interactive work waits a share of it (someone is watching; preemption keeps drains short).
    expect(switchBound(60_000, 7, 'interactive')).toBe(15_000 * INTERACTIVE_SWITCH_SHARE);
    expect(switchBound(60_000, 7, 'background')).toBe(15_000);
  });

  test('at the same priority an interactive request takes the next slot, whoever has been served less', () => {
    const batch = head({ model: 'a', lane: 'batch', owner: 'carol' });
    const chat = head({ model: 'a', lane: 'interactive', owner: 'alice' });
    const served = { servedOf: (c: Contender) => (c.owner === 'alice' ? 100 : 0) };
    const models = modelViewOf({ resident: { a: 4 } });
    expect(decide(lanes([batch, chat]), emptyRunningView(), models, served, params, 0)).toMatchObject({ type: 'run', candidate: chat });
    // Priority still comes first.
    const urgentBatch = head({ model: 'a', lane: 'batch', owner: 'carol', priority: 6 });
    expect(decide(lanes([urgentBatch, chat]), emptyRunningView(), models, served, params, 0)).toMatchObject({ type: 'run', candidate: urgentBatch });
  });

  test('no room is made for work that queued work of the model to unload outranks, however long it waited', () => {
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 });
    const chatOnA = head({ model: 'a', priority: 7 });
    const batchOnB = head({ model: 'b', lane: 'batch' });
    // Slots of `a` are full, so its chat waits; the batch for `b` is long overdue.
    expect(decide(lanes([chatOnA, batchOnB]), runningOn('a', 4), models, fair, params, 10 * 60_000)).toEqual({ type: 'wait' });
    // A chat at the same priority outranks batch work too (interactive first).
    const normalChatOnA = head({ model: 'a', priority: 5 });
    expect(decide(lanes([normalChatOnA, batchOnB]), runningOn('a', 4), models, fair, params, 10 * 60_000)).toEqual({ type: 'wait' });
    // Without it the batch gets its room.
    expect(decide(lanes([batchOnB]), runningOn('a', 4), models, fair, params, 10 * 60_000)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: null });
  });

  test("background work never takes a model's last free slot, whatever the other models hold", () => {
    const wide = { ...params, slots: 8, laneCaps: { interactive: 8, batch: 8, background: 7 } };
    const models = modelViewOf({ resident: { a: 4, b: 4 } });
    const longJob = head({ model: 'b', lane: 'background', owner: 'dave' });
    const batchOnB = head({ model: 'b', lane: 'batch', owner: 'carol' });
    // Three of b's four slots busy: the last is kept for a chat; batch work (short answers) may take it.
    expect(decide(lanes([longJob]), runningOn('b', 3), models, fair, wide, 0)).toEqual({ type: 'wait' });
    expect(decide(lanes([longJob, batchOnB]), runningOn('b', 3), models, fair, wide, 0)).toMatchObject({ type: 'run', candidate: batchOnB });
    // Two busy: it runs. And a model with a single slot runs background work in it.
    expect(decide(lanes([longJob]), runningOn('b', 2), models, fair, wide, 0)).toMatchObject({ type: 'run', candidate: longJob });
    const single = modelViewOf({ resident: { b: 1 } });
    expect(decide(lanes([longJob]), emptyRunningView(), single, fair, wide, 0)).toMatchObject({ type: 'run', candidate: longJob });
  });

  test('background work does not start on a loaded model while work that outranks it waits for a missing model', () => {
    const models = modelViewOf({ resident: { b: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 });
    const longJob = head({ model: 'b', lane: 'background', owner: 'dave' });
    const batchForA = head({ model: 'a', lane: 'batch', owner: 'carol', priority: 6 });
    // `b` has free slots, but a long background request now would hold the switch `a`'s work waits for.
    expect(decide(lanes([longJob, batchForA]), runningOn('b', 1), models, fair, params, 0)).toEqual({ type: 'wait' });
    // Work for `a` that does not outrank it leaves it free to run.
    const lowBatchForA = head({ model: 'a', lane: 'batch', owner: 'carol', priority: 3 });
    expect(decide(lanes([longJob, lowBatchForA]), runningOn('b', 1), models, fair, params, 0)).toMatchObject({ type: 'run', candidate: longJob });
    // Nothing waits for another model: it runs.
    expect(decide(lanes([longJob]), runningOn('b', 1), models, fair, params, 0)).toMatchObject({ type: 'run', candidate: longJob });
  });

  test('a wait says when waiting work for a missing model passes its bound, so the caller can decide again then', () => {
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4, roomMadeAt: 0 });
    const chatForB = head({ model: 'b', priority: 7, createdAt: 1_000 });
    // `a` is busy and has a chat of the same standing queued, so the chat for `b` waits its bound.
    const batchForA = head({ model: 'a', priority: 7 });
    const bound = switchBound(60_000, 7, 'interactive');
    expect(decide(lanes([chatForB, batchForA]), runningOn('a', 4, 'batch'), models, fair, params, 1_500)).toEqual({ type: 'wait' });
    expect(nextSwitchDueAt()).toBe(1_000 + bound);
    // The bound counts from the last load when that came later.
    const justLoaded = { ...models, roomMadeAt: 2_000 };
    expect(decide(lanes([chatForB, batchForA]), runningOn('a', 4, 'batch'), justLoaded, fair, params, 2_500)).toEqual({ type: 'wait' });
    expect(nextSwitchDueAt()).toBe(2_000 + bound);
    // Nothing missing: no moment to wait for.
    expect(decide(lanes([head({ model: 'a' })]), runningOn('a', 4), models, fair, params, 0)).toEqual({ type: 'wait' });
    expect(nextSwitchDueAt()).toBe(Infinity);
  });

  test('a room-making is dropped when work that outranks it arrives for the model to unload, until the unload begins', () => {
    const batchOnB = head({ model: 'b', lane: 'batch' });
    const chatOnA = head({ model: 'a', priority: 7 });
    const making = { model: 'b', victims: ['a'] };
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making };
    expect(decide(lanes([batchOnB]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'wait' });
    expect(decide(lanes([batchOnB, chatOnA]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'abandon' });
    // Once an unload is under way the chat waits for the switch and the one after.
    expect(decide(lanes([batchOnB, chatOnA]), runningOn('a', 1), { ...models, busy: true }, fair, params, 0)).toEqual({ type: 'wait' });
    // Work of the same standing does not undo the decision.
    const batchOnA = head({ model: 'a', lane: 'batch' });
    expect(decide(lanes([batchOnB, batchOnA]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'wait' });
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

  test('a model that does not fit waits its bound while the model to unload has work of the same standing, then room is made', () => {
    const current = head({ model: 'a', priority: 7 });
    const other = head({ model: 'b', priority: 7 });
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 });
    const bound = switchBound(60_000, 7, 'interactive');
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, bound - 1)).toMatchObject({ type: 'run', candidate: current });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, bound)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 7 });
    // With no work left for `a`, room is made at once.
    expect(decide(lanes([other]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 7 });
    // Room for batch work is made by waiting only: preempting is for interactive work.
    const batchOther = head({ model: 'b', lane: 'batch' });
    expect(decide(lanes([batchOther]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: null });
  });

  test('a chat that outranks everything queued for the model to unload makes room at once', () => {
    const models = modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 });
    const batchOnA = head({ model: 'a', lane: 'batch', owner: 'carol' });
    const chatForB = head({ model: 'b', owner: 'alice', createdAt: 1_000 });
    expect(decide(lanes([batchOnA, chatForB]), runningOn('a', 4, 'batch'), models, fair, params, 1_000)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 5 });
    // A chat of the same standing queued for `a`: the chat for `b` waits its bound (turns by model).
    const chatOnA = head({ model: 'a', owner: 'bob' });
    expect(decide(lanes([batchOnA, chatOnA, chatForB]), runningOn('a', 4, 'batch'), models, fair, params, 1_000)).toEqual({ type: 'wait' });
    // Batch work that has waited long (aged past the chat's priority for slots) still does not hold `a` against it.
    const aging = { ...params, agingMs: 60_000 };
    const agedBatchOnA = head({ model: 'a', lane: 'batch', owner: 'carol', createdAt: 0 });
    const later = 3 * aging.agingMs;
    const lateChat = head({ model: 'b', owner: 'alice', createdAt: later });
    expect(decide(lanes([agedBatchOnA, lateChat]), runningOn('a', 4, 'batch'), models, fair, aging, later)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 5 });
    // Aged CLAIM_AGING_SLOWDOWN times longer, it does: nothing starves.
    const muchLater = (CLAIM_AGING_SLOWDOWN + 1) * aging.agingMs;
    const muchLaterChat = head({ model: 'b', owner: 'alice', createdAt: muchLater });
    expect(decide(lanes([agedBatchOnA, muchLaterChat]), runningOn('a', 4, 'batch'), models, fair, aging, muchLater)).toEqual({ type: 'wait' });
  });

  test('making room: victims start nothing new, are unloaded once idle, then the model loads', () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const making = { model: 'b', victims: ['a'], preempt: 5 };
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making };
    expect(decide(lanes([current, other]), runningOn('a', 1), models, fair, params, 1)).toEqual({ type: 'wait' });
    expect(decide(lanes([current, other]), emptyRunningView(), models, fair, params, 1)).toEqual({ type: 'unload', model: 'a' });
    const unloaded = { ...models, resident: new Map<string, number>() };
    expect(decide(lanes([current, other]), emptyRunningView(), unloaded, fair, params, 1)).toEqual({ type: 'load', model: 'b' });
    // The work it was for went away: the room-making is dropped.
    expect(decide(lanes([current]), runningOn('a', 1), models, fair, params, 1)).toEqual({ type: 'abandon' });
  });

  test('room made for batch work preempts once a chat comes for the same model', () => {
    const batchForB = head({ model: 'b', lane: 'batch' });
    const chatForB = head({ model: 'b' });
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making: { model: 'b', victims: ['a'] } };
    expect(decide(lanes([batchForB]), runningOn('a', 2, 'batch'), models, fair, params, 0)).toEqual({ type: 'wait' });
    expect(decide(lanes([batchForB, chatForB]), runningOn('a', 2, 'batch'), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 5 });
    // Once preempted for, it is not issued again.
    const preempting = { ...models, making: { model: 'b', victims: ['a'], preempt: 5 } };
    expect(decide(lanes([batchForB, chatForB]), runningOn('a', 2, 'batch'), preempting, fair, params, 0)).toEqual({ type: 'wait' });
  });

  test('victims are chosen idle first, then least recently used, never pinned', () => {
    const other = head({ model: 'c' });
    const models = modelViewOf({ resident: { a: 4, b: 4, e: 4 }, sizes: { a: 4, b: 4, c: 4, e: 1 }, budgetBytes: 9, pinned: ['e'] });
    models.lastUsedAt.set('a', 10).set('b', 5);
    expect(decide(lanes([other]), emptyRunningView(), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'c', victims: ['b'], preempt: 5 });
    expect(decide(lanes([other]), runningOn('b', 1), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'c', victims: ['a'], preempt: 5 });
    // Pinned models leave no room at all: the model can never load.
    const tight = modelViewOf({ resident: { e: 4 }, sizes: { c: 4, e: 1 }, budgetBytes: 4, pinned: ['e'] });
    expect(decide(lanes([other]), emptyRunningView(), tight, fair, params, 0)).toEqual({ type: 'reject', model: 'c' });
  });

  test("while room is made, a victim's next job runs only if it ends before the victim's last in-flight one", () => {
    const current = head({ model: 'a' });
    const other = head({ model: 'b' });
    const models = { ...modelViewOf({ resident: { a: 4 }, sizes: { a: 4, b: 4 }, budgetBytes: 4 }), making: { model: 'b', victims: ['a'], preempt: 5 } };
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
    expect(decide(lanes([other]), runningOn('a', 1), models, fair, params, 0)).toEqual({ type: 'makeRoom', model: 'b', victims: ['a'], preempt: 5 });
    const making = { ...models, making: { model: 'b', victims: ['a'], preempt: 5 } };
    expect(decide(lanes([other]), runningOn('a', 1), making, fair, params, 0)).toEqual({ type: 'wait' });
    expect(decide(lanes([other]), emptyRunningView(), making, fair, params, 0)).toEqual({ type: 'load', model: 'b' });
    expect(decide(lanes([current]), emptyRunningView(), { ...models, busy: true }, fair, params, 0)).toEqual({ type: 'wait' });
  });
});
