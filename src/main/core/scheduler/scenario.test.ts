/**
 * Team scenarios on the real engine with a fake clock: a flood must not starve interactive
 * work, and busy owners at equal priority share the machine evenly (VTC fair share).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../testing/engine-harness';
import { PRIORITY_NAMES } from '../../../shared/priority';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.close({ graceMs: 0 });
  harness = undefined;
});

const TOKENS_PER_SECOND = 50;
const maxTokensOf = (body: Record<string, unknown>) => Number(body.max_tokens ?? 100);

/** Four slots, one model; a request takes as long as its max_tokens at TOKENS_PER_SECOND. */
const startTokenTimedHarness = () =>
  startHarness(
    {
      slots: 4,
      models: ['model-a'],
      serviceMs: (r) => (maxTokensOf(r.body) / TOKENS_PER_SECOND) * 1000,
      outputTokens: (r) => maxTokensOf(r.body),
    },
    { maxConcurrency: 4 },
  );

describe('scenarios', () => {
  test('a 200-job batch flood: every interactive job starts within one service time of a slot freeing', async () => {
    harness = await startTokenTimedHarness();
    const { engine, clock, backend } = harness;
    const serviceMs = (200 / TOKENS_PER_SECOND) * 1000; // every job here asks for 200 tokens
    const input = { messages: [{ role: 'user', content: 'summarize' }], max_tokens: 200 };
    for (let i = 0; i < 200; i++) engine.submit({ kind: 'chat', model: 'model-a', lane: 'batch', input }, { owner: 'flood' });
    const submittedAt = new Map<string, number>();
    // Alice and Bob chat every ~7 s while the flood runs.
    for (let round = 0; round < 12; round++) {
      await harness.step(7_000);
      for (const owner of ['alice', 'bob']) {
        const job = engine.submit({ kind: 'chat', model: 'model-a', lane: 'interactive', input }, { owner });
        submittedAt.set(job.id, clock.now());
      }
    }
    await harness.runUntil(() => [...submittedAt.keys()].every((id) => engine.get(id).state === 'succeeded'));
    const started = new Map(backend.served.map((s) => [s.jobId, s.startedAt]));
    const waits = [...submittedAt].map(([id, at]) => started.get(id)! - at);
    expect(waits.length).toBe(24);
    expect(Math.max(...waits)).toBeLessThanOrEqual(serviceMs);
    expect(engine.counts().queued).toBeGreaterThan(0); // the flood is still going: the test measured under load
    expect(backend.violations).toEqual([]);
  });

  test('two busy owners at equal priority get token shares within 10% of even', async () => {
    harness = await startTokenTimedHarness();
    const { engine, backend } = harness;
    // Big jobs for one, small for the other: fairness is in tokens served, not jobs.
    const ask = (owner: string, tokens: number) =>
      engine.submit(
        { kind: 'chat', model: 'model-a', lane: 'batch', input: { messages: [{ role: 'user', content: 'go' }], max_tokens: tokens } },
        { owner },
      );
    const owners = { heavy: [] as string[], light: [] as string[] };
    for (let i = 0; i < 150; i++) owners.heavy.push(ask('heavy', 400).id);
    for (let i = 0; i < 600; i++) owners.light.push(ask('light', 100).id);
    const ownerOf = new Map([...owners.heavy.map((id) => [id, 'heavy']), ...owners.light.map((id) => [id, 'light'])] as [string, string][]);
    // Measure while both are backlogged: until either one's queue empties.
    await harness.runUntil(() => {
      const queued = engine.snapshot({ limit: 0 }).counts.queued;
      const served = backend.served.length;
      return served >= 200 || queued === 0;
    });
    const tokens = { heavy: 0, light: 0 };
    for (const s of backend.served) tokens[ownerOf.get(s.jobId) as 'heavy' | 'light'] += ownerOf.get(s.jobId) === 'heavy' ? 400 : 100;
    const share = tokens.heavy / (tokens.heavy + tokens.light);
    expect(Math.abs(share - 0.5)).toBeLessThanOrEqual(0.05); // within 10% of an even split
    expect(backend.served.length).toBeGreaterThanOrEqual(200);
  });
});

describe('aging', () => {
  test('a low-priority job under a constant urgent flood still runs, after about (9 - p) aging periods', async () => {
    harness = await startHarness({ slots: 1, models: ['model-a'], serviceMs: () => 1_000 }, { maxConcurrency: 1, agingSeconds: 10 });
    const { engine, clock, backend } = harness;
    const input = { messages: [{ role: 'user', content: 'x' }] };
    const low = engine.submit({ kind: 'chat', model: 'model-a', priority: PRIORITY_NAMES.background, input }, { owner: 'patient' });
    const submittedAt = clock.now();
    // Keep the urgent queue non-empty for a long time.
    for (let i = 0; i < 400; i++) engine.submit({ kind: 'chat', model: 'model-a', priority: PRIORITY_NAMES.urgent, input }, { owner: 'pushy' });
    await harness.runUntil(() => engine.get(low.id).state === 'succeeded');
    const started = backend.served.find((s) => s.jobId === low.id)!.startedAt;
    // background=1 needs 8 levels: 80 s, plus the job in progress and the model load.
    expect(started - submittedAt).toBeGreaterThanOrEqual(80_000);
    expect(started - submittedAt).toBeLessThanOrEqual(80_000 + 1_000 + 5_000);
    expect(engine.counts().queued).toBeGreaterThan(0);
  });
});
