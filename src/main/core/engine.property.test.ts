/**
 * Random operation sequences against the real engine (fake clock, fake backend that checks
 * the engine's promises from the outside), including restarts on the same data directory.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LANES, type Lane } from '../../shared/job';
import { createEngine } from './engine';
import type { Engine } from './engine-api';
import type { EngineConfig } from './config';
import { laneCaps } from './scheduler/limits';
import { FakeBackend, type FakeBackendOptions } from './testing/fake-backend';
import { FakeClock, settle } from './testing/fake-clock';

type Op =
  | { type: 'submit'; owner: number; lane: Lane; priority: number; model: number; delayMs: number }
  | { type: 'cancel'; pick: number }
  | { type: 'reprioritize'; pick: number; priority: number }
  | { type: 'advance'; ms: number }
  | { type: 'fail'; code: 'server_error' | 'unreachable' | 'bad_request' }
  | { type: 'restart' };

const opArb = (models: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({
      type: fc.constant('submit' as const),
      owner: fc.integer({ min: 0, max: 3 }),
      lane: fc.constantFrom(...LANES),
      priority: fc.integer({ min: 0, max: 9 }),
      model: fc.integer({ min: 0, max: models - 1 }),
      delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })),
    }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('reprioritize' as const), pick: fc.nat(), priority: fc.integer({ min: 0, max: 9 }) }) },
    { weight: 4, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 5_000 }) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('fail' as const), code: fc.constantFrom('server_error' as const, 'unreachable' as const, 'bad_request' as const) }) },
    { weight: 1, arbitrary: fc.constant({ type: 'restart' as const }) },
  );

const SLOTS = 3;
const PREEMPTED_AS_IT_FINISHED: Op[] = [
  { type: 'submit', owner: 0, lane: 'background', priority: 0, model: 1, delayMs: 0 },
  { type: 'submit', owner: 0, lane: 'interactive', priority: 0, model: 0, delayMs: 1 },
  { type: 'submit', owner: 0, lane: 'background', priority: 0, model: 1, delayMs: 0 },
  { type: 'advance', ms: 1 },
];
/**
 * A batch job claimed in the same pass that made room for a chat of lower priority: preempted
 * before it was sent, queued again it called the room-making off, was claimed again, preempted
 * again, without end (the loop never yielded), until preemption kept to work the chat outranks.
 */
const PREEMPTED_ON_ITS_CLAIM: Op[] = [
  { type: 'advance', ms: 4188 },
  { type: 'submit', owner: 3, lane: 'interactive', priority: 0, model: 0, delayMs: 0 },
  { type: 'submit', owner: 2, lane: 'batch', priority: 9, model: 0, delayMs: 18128 },
  { type: 'advance', ms: 1024 },
  { type: 'submit', owner: 2, lane: 'background', priority: 8, model: 1, delayMs: 5131 },
  { type: 'submit', owner: 3, lane: 'batch', priority: 6, model: 0, delayMs: 0 },
  { type: 'submit', owner: 0, lane: 'batch', priority: 2, model: 0, delayMs: 12826 },
  { type: 'submit', owner: 0, lane: 'interactive', priority: 5, model: 1, delayMs: 0 },
  { type: 'advance', ms: 1955 },
  { type: 'fail', code: 'server_error' },
  { type: 'restart' },
];
/** With aging on, order depends on group history; the order check runs with it off. */
const NO_AGING_SECONDS = 1e9;
const MODELS = ['model-a', 'model-b'];

/** A resident set: two LLMs and an embedding model, memory for one LLM beside the pinned embedding model. */
const RESIDENT_SET = {
  models: ['model-a', 'model-b', 'text-embed'],
  backend: { resident: ['text-embed'], memoryBytes: 4.1e9, pinned: ['text-embed'] },
  engine: { modelMemoryBytes: 4.1e9, pinnedModels: ['text-embed'] },
};

interface Setting {
  models?: string[];
  backend?: Partial<FakeBackendOptions>;
  engine?: Partial<EngineConfig>;
}

async function runScenario(ops: Op[], modelCount: number, agingSeconds: number, setting: Setting = {}): Promise<void> {
  const checkOrder = agingSeconds === NO_AGING_SECONDS && modelCount === 1;
  const models = setting.models ?? MODELS;
  const dir = mkdtempSync(join(tmpdir(), 'lmq-prop-'));
  const clock = new FakeClock();
  const backend = new FakeBackend(clock, {
    models,
    slots: SLOTS,
    loadMs: 1_500,
    serviceMs: (r) => 500 + (JSON.stringify(r.body).length % 7) * 300,
    ...setting.backend,
  });
  const caps = laneCaps(SLOTS);
  const lanes = new Map<string, Lane>();
  const submitted: string[] = [];
  const canceled = new Set<string>();
  const problems: string[] = [];
  const open = () =>
    createEngine({ dataDir: dir, backend, clock, maxConcurrency: SLOTS, agingSeconds, switchBoundSeconds: 20, retryBaseMs: 200, retryMaxMs: 2_000, ...setting.engine });
  let engine: Engine = await open();
  // Between a restart's close and open's return: a resident model lets the new engine dispatch
  // in its first tick, before `engine` names it.
  let reopening = false;

  backend.onRun = (request) => {
    const lane = lanes.get(request.jobId)!;
    const sameLane = [...backend.inFlight.keys()].filter((id) => lanes.get(id) === lane).length;
    if (sameLane + 1 > caps[lane]) problems.push(`lane ${lane} over its cap`);
    // A background request never takes its model's last free slot (SLOTS per instance here).
    const onModel = [...backend.inFlight.values()].filter((r) => r.request.model === request.model).length;
    if (lane === 'background' && onModel + 1 >= SLOTS) problems.push(`background request ${request.jobId} took the last slot of ${request.model}`);
    if (!checkOrder || reopening) return;
    // A job never starts while a due job of higher priority waits in its lane.
    const now = clock.now();
    const started = engine.get(request.jobId);
    for (const waiting of engine.snapshot({ limit: 1000 }).queued) {
      const due = waiting.runAt === null || Date.parse(waiting.runAt) <= now;
      if (due && waiting.lane === lane && waiting.priority > started.priority) {
        problems.push(`${request.jobId} (priority ${started.priority}) started before ${waiting.id} (priority ${waiting.priority})`);
      }
    }
  };

  const pickLive = async (n: number, state: 'queued' | 'any') => {
    const live = submitted.filter((id) => !canceled.has(id));
    for (let i = 0; i < live.length; i++) {
      const job = engine.get(live[(n + i) % live.length]!);
      if (state === 'any' ? job.state === 'queued' || job.state === 'running' : job.state === 'queued') return job;
    }
    return undefined;
  };

  try {
    for (const op of ops) {
      if (op.type === 'submit') {
        const job = engine.submit(
          {
            kind: 'chat',
            model: models[op.model]!,
            lane: op.lane,
            priority: op.priority,
            runAt: op.delayMs ? clock.now() + op.delayMs : undefined,
            input: { messages: [{ role: 'user', content: 'x'.repeat(op.owner * 10 + 1) }], max_tokens: 64 },
          },
          { owner: `owner-${op.owner}` },
        );
        lanes.set(job.id, op.lane);
        submitted.push(job.id);
      } else if (op.type === 'cancel') {
        const job = await pickLive(op.pick, 'any');
        if (job) {
          engine.cancel(job.id);
          canceled.add(job.id);
        }
      } else if (op.type === 'reprioritize') {
        const job = await pickLive(op.pick, 'queued');
        if (job) expect(engine.reprioritize(job.id, op.priority).priority).toBe(op.priority);
      } else if (op.type === 'advance') {
        await settle();
        clock.advance(op.ms);
      } else if (op.type === 'fail') {
        backend.failNext(op.code);
      } else {
        await settle();
        reopening = true;
        await engine.close({ graceMs: 0 });
        engine = await open();
        reopening = false;
      }
      await settle();
    }
    // Drain: every owner's work must finish in bounded simulated time (no starvation).
    for (let i = 0; i < 5_000; i++) {
      const counts = engine.counts();
      if (counts.queued === 0 && counts.running === 0) break;
      await settle();
      const next = clock.nextAt();
      clock.advanceTo(next ?? clock.now() + 1_000);
    }
    await settle();
    const finished = submitted.map((id) => engine.get(id));
    for (const job of finished) {
      if (canceled.has(job.id)) expect(job.state).toBe('canceled');
      else expect(['succeeded', 'failed'], `${job.id} is ${job.state}`).toContain(job.state);
      if (job.state === 'failed') expect(job.error?.code, job.error?.message).toMatch(/bad_request|server_error|unreachable/);
    }
    const servedOk = backend.served.map((s) => s.jobId);
    const succeeded = finished.filter((j) => j.state === 'succeeded').map((j) => j.id);
    expect(new Set(servedOk).size).toBe(servedOk.length); // each success served once
    expect(servedOk.sort()).toEqual([...succeeded].sort());
    expect(backend.violations).toEqual([]);
    expect(backend.maxInFlight).toBeLessThanOrEqual(SLOTS);
    expect(problems).toEqual([]);
  } finally {
    await engine.close({ graceMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('engine properties', () => {
  test('one model: nothing lost or run twice, limits and priority order hold, restarts lose nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(1), { minLength: 1, maxLength: 40 }), (ops) => runScenario(ops, 1, NO_AGING_SECONDS)),
      { numRuns: 40 },
    );
  });

  test("with aging: every owner's work finishes, nothing lost, limits hold", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(1), { minLength: 1, maxLength: 40 }), (ops) => runScenario(ops, 1, 5)),
      { numRuns: 30 },
    );
  });

  test('two models: nothing lost, no load under in-flight work, no overlapping loads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(2), { minLength: 1, maxLength: 40 }), (ops) => runScenario(ops, 2, 30)),
      // Found by CI: an interactive job preempts the batch answer that finishes in that same tick;
      // found by a 300-run seed: preemption on the claim's own pass.
      { numRuns: 40, examples: [[PREEMPTED_AS_IT_FINISHED], [PREEMPTED_ON_ITS_CLAIM]] },
    );
  });

  test('a resident set under a budget: never an unload under in-flight work or of the pinned model, the budget kept, no second instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(3), { minLength: 1, maxLength: 40 }), (ops) => runScenario(ops, 3, 30, RESIDENT_SET)),
      { numRuns: 40 },
    );
  });
});
