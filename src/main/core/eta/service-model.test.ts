import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { concurrencyBucket, SERVICE_DEFAULTS, ServiceModel } from './service-model';

const entry: QueuedEntry = { seq: 1, kind: 'chat', model: 'llm', owner: 'ana', lane: 'interactive', priority: 5, createdAt: 0, runAt: 0, promptTokens: 0, maxTokens: 100 };

/** A finished request of 100 tokens at `tps`, started with `concurrency` requests in flight. */
const observation = (tps: number, concurrency?: number) => ({
  kind: 'chat' as const,
  owner: 'ana',
  model: 'llm',
  promptTokens: 0,
  completionTokens: 100,
  durationMs: (100 / tps) * 1000,
  tokensPerSecond: tps,
  timeToFirstTokenMs: null,
  concurrency,
});

describe('ServiceModel: speed under concurrency', () => {
  test('learns how fast a model generates alone and beside others, and estimates each', () => {
    const service = new ServiceModel();
    for (let i = 0; i < 20; i++) {
      service.observe(observation(40, 1));
      service.observe(observation(20, 4));
    }
    const alone = service.estimate(entry, undefined, 1).serviceMs;
    const busy = service.estimate(entry, undefined, 4).serviceMs;
    // 100 tokens at ~40 tok/s alone, ~20 tok/s with three others (overhead aside).
    expect(alone).toBeGreaterThan(2_400);
    expect(alone).toBeLessThan(2_700);
    expect(busy).toBeGreaterThan(4_900);
    expect(busy).toBeLessThan(5_200);
    // A load never seen borrows the nearest one learned.
    expect(service.estimate(entry, undefined, 2).serviceMs).toBe(alone);
    expect(service.estimate(entry, undefined, 16).serviceMs).toBe(busy);
  });

  test('without concurrency data it uses the overall speed', () => {
    const service = new ServiceModel();
    for (let i = 0; i < 10; i++) service.observe(observation(25));
    expect(service.estimate(entry, undefined, 3).serviceMs).toBe(service.estimate(entry).serviceMs);
  });

  test('buckets requests in flight as 1, 2, 3-4, 5-8, 9+', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 64].map(concurrencyBucket)).toEqual([0, 1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('ServiceModel: overhead', () => {
  const embedding = { ...entry, kind: 'embedding' as const, model: 'embedder', promptTokens: 800, maxTokens: null };
  const embedded = (durationMs: number) => ({ kind: 'embedding' as const, owner: 'ana', model: 'embedder', promptTokens: 800, completionTokens: 0, durationMs, tokensPerSecond: null, timeToFirstTokenMs: null });

  test('an embedding is expected to take what embeddings of its size took, with no overhead added on top', () => {
    const service = new ServiceModel();
    for (let i = 0; i < 10; i++) service.observe(embedded(40));
    expect(service.estimate(embedding).serviceMs).toBeCloseTo(40, 6);
  });

  test('short and long embeddings: each is expected to take a cost per request plus one per token, as measured', () => {
    // 20 ms per request and 0.05 ms per token: a one-rate model puts a 22-token query at 2.7 ms
    // or an 1,150-token batch request far above its 77.5 ms, whichever it learned last.
    const service = new ServiceModel();
    const took = (tokens: number) => 20 + 0.05 * tokens;
    for (let i = 0; i < 12; i++) {
      for (const tokens of [22, 300, 1150]) service.observe({ ...embedded(took(tokens)), promptTokens: tokens });
    }
    for (const tokens of [22, 600, 1150]) {
      expect(service.estimate({ ...embedding, promptTokens: tokens }).serviceMs).toBeCloseTo(took(tokens), 3);
    }
  });

  test('the fitted line survives a restart (its moments are stored stats)', () => {
    const service = new ServiceModel();
    for (let i = 0; i < 8; i++) for (const tokens of [100, 1000]) service.observe({ ...embedded(10 + 0.1 * tokens), promptTokens: tokens });
    const restored = new ServiceModel();
    restored.restore(service.takeDirty());
    expect(restored.estimate({ ...embedding, promptTokens: 500 }).serviceMs).toBeCloseTo(60, 3);
  });

  test('before any speed is learned, the default overhead is part of the guess', () => {
    const service = new ServiceModel();
    const guess = service.estimate(embedding).serviceMs;
    service.observe(embedded((800 / SERVICE_DEFAULTS.promptTokensPerSecond) * 1000));
    expect(guess - service.estimate(embedding).serviceMs).toBeCloseTo(SERVICE_DEFAULTS.overheadMs, 6);
  });
});

describe('ServiceModel: output length', () => {
  /** An answer of `tokens` for `owner` on `llm`, asked for at most `maxTokens`. */
  const answered = (owner: string, tokens: number, maxTokens: number | null) => ({
    ...observation(40),
    owner,
    completionTokens: tokens,
    durationMs: (tokens / 40) * 1000,
    maxTokens,
  });
  const job = (owner: string, maxTokens: number | null): QueuedEntry => ({ ...entry, owner, maxTokens });

  test("a group with no answers yet, on a model whose answers ran to their max_tokens, is expected to run to its own", () => {
    const service = new ServiceModel();
    // Chats capped at 150-300 tokens, each answered up to its cap: ~225 on average.
    for (let i = 0; i < 20; i++) service.observe(answered('bob', 150 + (i % 4) * 50, 150 + (i % 4) * 50));
    expect(service.estimate(job('bob', 2_000)).outputTokens).toBeLessThan(300);
    expect(service.estimate(job('dave', 2_000)).outputTokens).toBe(2_000);
    // A small cap bounds it as before.
    expect(service.estimate(job('dave', 100)).outputTokens).toBe(100);
  });

  test("answers that stopped well short of their max_tokens keep the model's typical length for a new group", () => {
    const service = new ServiceModel();
    for (let i = 0; i < 20; i++) service.observe(answered('ana', 300, 4_096));
    expect(service.estimate(job('eli', 4_096)).outputTokens).toBe(300);
    expect(service.estimate(job('eli', null)).outputTokens).toBe(300);
  });

  test("once the group has answers of its own, its own typical length counts", () => {
    const service = new ServiceModel();
    for (let i = 0; i < 20; i++) service.observe(answered('bob', 200, 200));
    for (let i = 0; i < 20; i++) service.observe(answered('dave', 900, 2_000));
    expect(service.estimate(job('dave', 2_000)).outputTokens).toBe(900);
  });

  test("the estimate says how many of the group's own answers it rests on", () => {
    const service = new ServiceModel();
    for (let i = 0; i < 4; i++) service.observe(answered('bob', 200, 200));
    service.observe(answered('dave', 389, 2_000));
    expect(service.estimate(job('bob', 200)).outputSamples).toBe(4);
    expect(service.estimate(job('dave', 2_000)).outputSamples).toBe(1);
    expect(service.estimate(job('eli', 2_000)).outputSamples).toBe(0);
  });

  test('the share survives a restart (a stored stat)', () => {
    const service = new ServiceModel();
    for (let i = 0; i < 5; i++) service.observe(answered('bob', 200, 200));
    const restored = new ServiceModel();
    restored.restore(service.takeDirty());
    expect(restored.estimate(job('dave', 2_000)).outputTokens).toBe(2_000);
  });
});
