/** Parent jobs against the real engine (fake clock, fake backend): children, counts, cancel, restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { createEngine } from './engine';
import type { Engine, NewChild } from './engine-api';
import { startHarness, type Harness } from './testing/engine-harness';
import { FakeBackend } from './testing/fake-backend';
import { FakeClock, settle } from './testing/fake-clock';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.close({ graceMs: 0 });
  harness = undefined;
});

const child = (n: number, model = 'model-a'): NewChild => ({
  kind: 'chat',
  model,
  input: { messages: [{ role: 'user', content: `line ${n}` }], max_tokens: 16 },
});
const children = (from: number, count: number, model?: string): NewChild[] => Array.from({ length: count }, (_, i) => child(from + i, model));

describe('parent jobs', () => {
  test('children added in chunks (one added twice) run as ordinary jobs; the parent succeeds with their counts once sealed', async () => {
    harness = await startHarness();
    const { engine } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice', priority: 3 });
    expect(parent).toMatchObject({ kind: 'batch', state: 'queued', lane: 'batch', priority: 3, position: null, parentId: null });
    expect(parent.children).toEqual({ total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 });
    engine.setPaused(true);
    expect(engine.addChildren(parent.id, 0, children(0, 3))).toEqual({ added: 3 });
    expect(engine.addChildren(parent.id, 0, children(0, 3))).toEqual({ added: 0 });
    expect(engine.addChildren(parent.id, 2, children(2, 3))).toEqual({ added: 2 });
    const page = engine.list({ parent: parent.id, limit: 2 });
    expect(page.jobs.map((j) => j.childIndex)).toEqual([0, 1]);
    expect(page.jobs[0]).toMatchObject({ parentId: parent.id, owner: 'alice', priority: 3, lane: 'batch', state: 'queued' });
    expect(page.jobs[0]!.position).toBeGreaterThan(0);
    const rest = engine.list({ parent: parent.id, cursor: page.nextCursor!, limit: 10 });
    expect(rest.jobs.map((j) => j.childIndex)).toEqual([2, 3, 4]);
    expect(rest.nextCursor).toBeNull();
    // The history lists the parent, not its children; the queue lists the parent apart.
    expect(engine.list({ limit: 50 }).jobs.map((j) => j.id)).toEqual([parent.id]);
    const snapshot = engine.snapshot();
    expect(snapshot.queued).toEqual([]);
    expect(snapshot.parents.map((p) => p.id)).toEqual([parent.id]);
    expect(snapshot.counts.queued).toBe(5);
    const queuedParent = engine.get(parent.id);
    expect(queuedParent.progress).toEqual({ fraction: 0, stage: 'adding', message: '0 of 5+ requests' });
    expect(queuedParent.eta?.finishesInSeconds).toBeGreaterThan(0);

    engine.sealParent(parent.id);
    expect(() => engine.addChildren(parent.id, 5, children(5, 1))).toThrow(/sealed/);
    engine.setPaused(false);
    await harness.runUntil(() => engine.get(parent.id).state === 'running');
    await harness.runUntil(() => engine.get(parent.id).state === 'succeeded');
    const done = engine.get(parent.id);
    expect(done.children).toEqual({ total: 5, queued: 0, running: 0, succeeded: 5, failed: 0, canceled: 0 });
    expect(done.progress).toMatchObject({ fraction: 1, message: '5 of 5 requests' });
    expect(done.eta).toBeNull();
    expect(engine.result(parent.id)).toEqual({ children: done.children });
    const entries = engine.childPage(parent.id, -1, 10);
    expect(entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    expect(JSON.parse(entries[0]!.resultJson!)).toMatchObject({ object: 'chat.completion' });
    expect(harness.backend.served).toHaveLength(5);
  });

  test('progress and ETA come from the children: "2 of 4 requests", finishing when the last child is forecast to', async () => {
    harness = await startHarness({ slots: 1, serviceMs: () => 10_000 });
    const { engine, clock } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    engine.addChildren(parent.id, 0, children(0, 4));
    engine.sealParent(parent.id);
    await harness.runUntil(() => engine.get(parent.id).children!.succeeded === 2);
    const job = engine.get(parent.id);
    expect(job.state).toBe('running');
    expect(job.position).toBeNull();
    expect(job.progress).toEqual({ fraction: 0.5, stage: 'running', message: '2 of 4 requests' });
    // Read in the same forecast as the parent (no clock step in between).
    const kids = engine.list({ parent: parent.id, limit: 10 }).jobs.filter((j) => j.state !== 'succeeded');
    expect(kids.map((k) => k.state)).toEqual(['running', 'queued']);
    const lastFinish = Math.max(...kids.map((k) => engine.get(k.id).eta!.finishesInSeconds));
    expect(job.eta!.startsInSeconds).toBe(0);
    expect(job.eta!.finishesInSeconds).toBeCloseTo(lastFinish, 0);
    expect(job.eta!.finishesInSeconds).toBeGreaterThanOrEqual(kids[0]!.eta!.finishesInSeconds);
    expect(clock.now()).toBeGreaterThan(0);
  });

  test('a child whose request is refused (unknown model, bad input) is added failed; the parent still succeeds', async () => {
    harness = await startHarness();
    const { engine } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    const bad: NewChild = { kind: 'chat', model: 'model-a', input: { messages: 'not a list' } };
    expect(engine.addChildren(parent.id, 0, [child(0), child(1, 'no-such-model'), bad])).toEqual({ added: 3 });
    engine.sealParent(parent.id);
    await harness.runUntil(() => engine.get(parent.id).state === 'succeeded');
    expect(engine.get(parent.id).children).toMatchObject({ total: 3, succeeded: 1, failed: 2 });
    const failed = engine.childPage(parent.id, -1, 10).filter((e) => e.job.state === 'failed');
    expect(failed.map((e) => [e.index, e.job.error?.code])).toEqual([
      [1, 'unknown_model'],
      [2, 'bad_request'],
    ]);
  });

  test('a sealed parent with no children succeeds at once; a parent cannot be retried; a child of something else is refused', async () => {
    harness = await startHarness();
    const { engine } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    engine.sealParent(parent.id);
    await harness.runUntil(() => engine.get(parent.id).state === 'succeeded');
    expect(engine.get(parent.id).children?.total).toBe(0);
    expect(() => engine.retry(parent.id, 'alice')).toThrow(/parent job/);
    const plain = engine.submit({ kind: 'chat', model: 'model-a', input: child(0).input }, { owner: 'bob' });
    expect(() => engine.addChildren(plain.id, 0, [child(0)])).toThrow(/not a parent job/);
    expect(() => engine.addChildren('job_nope', 0, [child(0)])).toThrow(/no job/);
  });

  test('canceling a parent cancels its queued children, aborts its running ones, and nothing starts after', async () => {
    harness = await startHarness({ slots: 2, serviceMs: () => 5_000 });
    const { engine, backend } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    engine.addChildren(parent.id, 0, children(0, 1_200));
    engine.sealParent(parent.id);
    await harness.runUntil(() => engine.get(parent.id).children!.running === 2);
    const requestsBefore = backend.served.length + backend.inFlight.size;
    const finished: string[] = [];
    engine.onParentFinished((job) => finished.push(`${job.id}:${job.state}`));
    engine.cancel(parent.id, 'stop it');
    // The queued children are swept a chunk per turn.
    await harness.runUntil(() => engine.get(parent.id).state === 'canceled');
    const done = engine.get(parent.id);
    expect(done.children).toEqual({ total: 1_200, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 1_200 });
    expect(done.error).toMatchObject({ code: 'canceled', message: 'stop it' });
    expect(finished).toEqual([`${parent.id}:canceled`]);
    expect(backend.inFlight.size).toBe(0);
    await harness.step(60_000);
    expect(backend.served.length + backend.inFlight.size).toBeLessThanOrEqual(requestsBefore);
    expect(engine.counts().queued).toBe(0);
    expect(() => engine.cancel(parent.id)).toThrow(/already canceled/);
  });

  test("reprioritizing a parent moves its queued children (a chunk per turn) and those added after; not a running child's", async () => {
    harness = await startHarness({ slots: 1, serviceMs: () => 5_000 });
    const { engine } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice', priority: 3 });
    engine.addChildren(parent.id, 0, children(0, 1_200));
    await harness.runUntil(() => engine.get(parent.id).children!.running === 1);
    expect(engine.reprioritize(parent.id, 8).priority).toBe(8);
    await harness.runUntil(() => engine.list({ parent: parent.id, limit: 500, cursor: '1000' }).jobs.every((j) => j.priority === 8));
    engine.addChildren(parent.id, 1_200, children(1_200, 1));
    const kids = [...engine.list({ parent: parent.id, limit: 5 }).jobs, ...engine.list({ parent: parent.id, limit: 5, cursor: '1195' }).jobs];
    // The child that was running keeps the priority it started at; every other one moved.
    expect(kids[0]).toMatchObject({ childIndex: 0, priority: 3 });
    expect(kids.slice(1).map((k) => [k.childIndex, k.priority])).toEqual([1, 2, 3, 4, 1_196, 1_197, 1_198, 1_199, 1_200].map((i) => [i, 8]));
    expect(engine.counts().queuedByPriority['3']).toBe(0);
  });

  test('failing a parent (a malformed batch) fails it and cancels its children', async () => {
    harness = await startHarness();
    const { engine } = harness;
    engine.setPaused(true);
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    engine.addChildren(parent.id, 0, children(0, 3));
    engine.failParent(parent.id, { code: 'invalid_file', message: 'line 4: not JSON' });
    await harness.runUntil(() => engine.get(parent.id).state === 'failed');
    expect(engine.get(parent.id)).toMatchObject({ error: { code: 'invalid_file' }, children: { total: 3, canceled: 3 } });
  });

  test('a member of the queue: fair share counts children for their owner, and another owner\'s chat goes first', async () => {
    harness = await startHarness({ slots: 1, serviceMs: () => 1_000 });
    const { engine, backend } = harness;
    const parent = engine.createParent({ kind: 'batch', owner: 'alice', lane: 'batch' });
    engine.addChildren(parent.id, 0, children(0, 20));
    engine.sealParent(parent.id);
    await harness.runUntil(() => backend.served.length === 3);
    const chat = engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } }, { owner: 'bob' });
    expect(chat.position).toBeLessThanOrEqual(2);
    await harness.runUntil(() => engine.get(chat.id).state === 'succeeded');
    expect(engine.get(parent.id).children!.succeeded).toBeLessThanOrEqual(5);
  });
});

describe('parent jobs across restarts', () => {
  async function openOn(dir: string, clock: FakeClock, backend: FakeBackend): Promise<Engine> {
    return createEngine({ dataDir: dir, backend, clock, retryBaseMs: 100 });
  }

  test('a restart mid-batch goes on where it was: counts from the children, unsealed parents take more, nothing runs twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmq-parents-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new FakeClock();
    const backend = new FakeBackend(clock, { models: ['model-a'], slots: 2, serviceMs: () => 1_000 });
    let engine = await openOn(dir, clock, backend);
    const parent = engine.createParent({ kind: 'batch', owner: 'alice' });
    engine.addChildren(parent.id, 0, children(0, 6));
    await engine.durable();
    for (let i = 0; i < 3 && backend.served.length < 2; i++) {
      await settle();
      clock.advanceTo(clock.nextAt() ?? clock.now() + 1_000);
      await settle();
    }
    await engine.close({ graceMs: 0 });

    engine = await openOn(dir, clock, backend);
    const reopened = engine.get(parent.id);
    expect(reopened.children!.total).toBe(6);
    expect(reopened.children!.succeeded).toBe(backend.served.length);
    expect(reopened.children!.queued + reopened.children!.running).toBe(6 - backend.served.length);
    // The batch layer resumes adding where it left off: the indexes already there are skipped.
    expect(engine.addChildren(parent.id, 0, children(0, 10))).toEqual({ added: 4 });
    engine.sealParent(parent.id);
    for (let i = 0; i < 200 && engine.get(parent.id).state !== 'succeeded'; i++) {
      await settle();
      clock.advanceTo(clock.nextAt() ?? clock.now() + 1_000);
      await settle();
    }
    expect(engine.get(parent.id).children).toEqual({ total: 10, queued: 0, running: 0, succeeded: 10, failed: 0, canceled: 0 });
    const ids = backend.served.map((s) => s.jobId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(backend.violations).toEqual([]);
    await engine.close({ graceMs: 0 });
  });
});
