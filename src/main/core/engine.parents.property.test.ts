/**
 * Parent jobs under random operations against the real engine (fake clock, fake backend),
 * restarts on the same data directory included: a parent's state and counts always equal what
 * its children say, and no child is lost or run twice.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ChildCounts, Job } from '../../shared/job';
import { createEngine } from './engine';
import type { Engine, NewChild } from './engine-api';
import { FakeBackend } from './testing/fake-backend';
import { FakeClock, settle } from './testing/fake-clock';

type Op =
  | { type: 'create'; owner: number; priority: number; children: number; seal: boolean }
  | { type: 'add'; pick: number; from: number; count: number }
  | { type: 'seal'; pick: number }
  | { type: 'cancelParent'; pick: number }
  | { type: 'failParent'; pick: number }
  | { type: 'cancelChild'; pick: number; child: number }
  | { type: 'chat'; owner: number }
  | { type: 'advance'; ms: number }
  | { type: 'fail'; code: 'server_error' | 'bad_request' }
  | { type: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('create' as const), owner: fc.integer({ min: 0, max: 2 }), priority: fc.integer({ min: 0, max: 9 }), children: fc.integer({ min: 0, max: 8 }), seal: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('add' as const), pick: fc.nat(), from: fc.integer({ min: 0, max: 10 }), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('seal' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancelParent' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('failParent' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancelChild' as const), pick: fc.nat(), child: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('chat' as const), owner: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 4_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('fail' as const), code: fc.constantFrom('server_error' as const, 'bad_request' as const) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'restart' as const }) },
);

const line = (i: number): NewChild => ({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: `line ${i}` }], max_tokens: 32 } });
const lines = (from: number, count: number): NewChild[] => Array.from({ length: count }, (_, i) => line(from + i));

function allChildren(engine: Engine, parentId: string): Job[] {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = engine.list({ parent: parentId, limit: 500, cursor });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return jobs;
}

function countsOf(children: Job[]): ChildCounts {
  const counts: ChildCounts = { total: children.length, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
  for (const c of children) counts[c.state]++;
  return counts;
}

/** What the children say a parent must be; problems found are pushed. */
function checkParent(engine: Engine, parentId: string, problems: string[], when: string): void {
  const parent = engine.get(parentId);
  const children = allChildren(engine, parentId);
  const counts = countsOf(children);
  const say = (what: string) => problems.push(`${when}: ${parentId} ${what} (${JSON.stringify(parent.children)} vs ${JSON.stringify(counts)}, ${parent.state})`);
  if (JSON.stringify(parent.children) !== JSON.stringify(counts)) say('counts differ from its children');
  if (children.some((c, i) => c.childIndex !== i)) say('children indexes are not 0..n-1');
  const unfinished = counts.queued + counts.running;
  const finished = parent.state === 'succeeded' || parent.state === 'failed' || parent.state === 'canceled';
  if (finished && unfinished > 0) say('finished with unfinished children');
  if (parent.state === 'queued' && (counts.running > 0 || counts.succeeded > 0)) say('queued while a child ran');
  if (parent.state === 'running' && !children.some((c) => c.startedAt !== null)) say('running but no child started');
  if (parent.position !== null) say('has a position');
}

async function runScenario(ops: Op[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-parent-prop-'));
  const clock = new FakeClock();
  const backend = new FakeBackend(clock, { models: ['model-a'], slots: 2, serviceMs: (r) => 300 + (JSON.stringify(r.body).length % 5) * 400 });
  const open = () => createEngine({ dataDir: dir, backend, clock, maxConcurrency: 2, retryBaseMs: 200, retryMaxMs: 1_000 });
  let engine = await open();
  const parents: string[] = [];
  const sealed = new Set<string>();
  const ended = new Map<string, 'canceled' | 'failed'>();
  const problems: string[] = [];
  const live = (pick: number): string | undefined => {
    const open = parents.filter((id) => !ended.has(id) && ['queued', 'running'].includes(engine.get(id).state));
    return open.length ? open[pick % open.length] : undefined;
  };
  const tryOp = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      // A parent that ended on its own (all children done) refuses late calls; anything else is a failure.
      if (!(error instanceof Error && /invalid_state|sealed|already|being/.test(`${(error as { code?: string }).code} ${error.message}`))) throw error;
    }
  };
  try {
    for (const [step, op] of ops.entries()) {
      if (op.type === 'create') {
        const parent = engine.createParent({ kind: 'batch', owner: `owner-${op.owner}`, priority: op.priority });
        parents.push(parent.id);
        if (op.children) engine.addChildren(parent.id, 0, lines(0, op.children));
        if (op.seal) {
          engine.sealParent(parent.id);
          sealed.add(parent.id);
        }
      } else if (op.type === 'add') {
        const id = live(op.pick);
        if (id && !sealed.has(id)) {
          const total = engine.get(id).children!.total;
          // Overlapping a chunk already added (a caller resuming after a crash), never leaving a gap.
          const from = Math.min(op.from, total);
          const { added } = engine.addChildren(id, from, lines(from, op.count));
          expect(added).toBe(Math.max(0, from + op.count - total));
        }
      } else if (op.type === 'seal') {
        const id = live(op.pick);
        if (id) {
          tryOp(() => engine.sealParent(id));
          sealed.add(id);
        }
      } else if (op.type === 'cancelParent' || op.type === 'failParent') {
        const id = live(op.pick);
        if (id) {
          if (op.type === 'cancelParent') engine.cancel(id, 'canceled in the test');
          else engine.failParent(id, { code: 'invalid_file', message: 'failed in the test' });
          ended.set(id, op.type === 'cancelParent' ? 'canceled' : 'failed');
        }
      } else if (op.type === 'cancelChild') {
        const id = parents.length ? parents[op.pick % parents.length]! : undefined;
        const children = id ? allChildren(engine, id).filter((c) => c.state === 'queued' || c.state === 'running') : [];
        if (children.length) engine.cancel(children[op.child % children.length]!.id);
      } else if (op.type === 'chat') {
        engine.submit({ kind: 'chat', model: 'model-a', input: line(step).input }, { owner: `owner-${op.owner}` });
      } else if (op.type === 'advance') {
        await settle();
        clock.advance(op.ms);
      } else if (op.type === 'fail') {
        backend.failNext(op.code);
      } else {
        await settle();
        await engine.close({ graceMs: 0 });
        engine = await open();
      }
      await settle();
      for (const id of parents) checkParent(engine, id, problems, `after op ${step} (${op.type})`);
      if (problems.length) break;
    }
    // Every parent is sealed, then the queue drains: each ends as its children and its ending say.
    for (const id of parents) if (!ended.has(id) && !sealed.has(id)) tryOp(() => engine.sealParent(id));
    for (let i = 0; i < 5_000; i++) {
      const counts = engine.counts();
      if (counts.queued === 0 && counts.running === 0 && parents.every((id) => !['queued', 'running'].includes(engine.get(id).state))) break;
      await settle();
      clock.advanceTo(clock.nextAt() ?? clock.now() + 1_000);
    }
    await settle();
    for (const id of parents) {
      checkParent(engine, id, problems, 'after the drain');
      const parent = engine.get(id);
      expect(parent.state, id).toBe(ended.get(id) ?? 'succeeded');
    }
    expect(problems).toEqual([]);
    const served = backend.served.map((s) => s.jobId);
    expect(new Set(served).size).toBe(served.length);
    expect(backend.violations).toEqual([]);
  } finally {
    await engine.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parent job properties', () => {
  test("a parent's state and counts always equal what its children say, through cancels, failures and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => runScenario(ops)),
      { numRuns: 30 },
    );
  });
});
