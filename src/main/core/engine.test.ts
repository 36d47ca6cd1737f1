import { afterEach, describe, expect, test, vi } from 'vitest';
import { startHarness, type Harness } from './testing/engine-harness';
import type { SubmitJobRequest } from '../../shared/job';
import { PRIORITY_NAMES } from '../../shared/priority';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.close({ graceMs: 0 });
  harness = undefined;
});

const chat = (model = 'model-a', extra: Partial<SubmitJobRequest> = {}): SubmitJobRequest => ({
  kind: 'chat' as const,
  model,
  input: { messages: [{ role: 'user', content: 'hello' }] },
  ...extra,
});

describe('engine', () => {
  test('a submitted job runs on the backend and succeeds with its result kept', async () => {
    harness = await startHarness();
    const { engine } = harness;
    const job = engine.submit(chat(), { owner: 'alice' });
    expect(job.state).toBe('queued');
    expect(job.position).toBe(1);
    expect(() => engine.resultJson(job.id)).toThrow(/not succeeded/);
    expect(() => engine.resultJson('job_nope')).toThrow(/no job/);
    await harness.runUntil(() => engine.get(job.id).state === 'succeeded');
    expect(JSON.parse(engine.resultJson(job.id))).toEqual(engine.result(job.id));
    const done = engine.get(job.id);
    expect(done.attempts).toBe(1);
    expect(done.usage?.completionTokens).toBe(100);
    expect(engine.result(job.id)).toMatchObject({ object: 'chat.completion' });
    expect(harness.backend.violations).toEqual([]);
  });

  test('onFinish hears once how a job ended: the stored result text on success, null otherwise', async () => {
    harness = await startHarness();
    const { engine } = harness;
    const heard: { id: string; state: string; resultJson: string | null }[] = [];
    const onFinish = (job: { id: string; state: string }, resultJson: string | null) => heard.push({ id: job.id, state: job.state, resultJson });
    engine.setPaused(true);
    const done = engine.submit(chat(), { owner: 'alice', onFinish });
    const canceled = engine.submit(chat(), { owner: 'alice', onFinish });
    engine.cancel(canceled.id);
    expect(heard).toEqual([{ id: canceled.id, state: 'canceled', resultJson: null }]);
    engine.setPaused(false);
    await harness.runUntil(() => heard.length === 2);
    expect(heard[1]).toEqual({ id: done.id, state: 'succeeded', resultJson: engine.resultJson(done.id) });
    await harness.runUntil(() => engine.counts().running === 0);
    expect(heard).toHaveLength(2);
  });

  test('a retry sends the same input again, read from the store', async () => {
    const sent: unknown[] = [];
    harness = await startHarness({ serviceMs: (request) => (sent.push(request.body), 1_000) });
    const { engine } = harness;
    const input = { messages: [{ role: 'user', content: 'the long prompt of a real user' }], max_tokens: 7 };
    const first = engine.submit({ kind: 'chat', model: 'model-a', input }, { owner: 'alice' });
    await harness.runUntil(() => engine.get(first.id).state === 'succeeded');
    const again = engine.retry(first.id, '');
    await harness.runUntil(() => engine.get(again.id).state === 'succeeded');
    expect(sent).toEqual([
      { ...input, model: 'model-a' },
      { ...input, model: 'model-a' },
    ]);
  });

  test('positions follow priority, and higher priority runs first', async () => {
    harness = await startHarness({ slots: 1 });
    const { engine } = harness;
    engine.setPaused(true);
    const low = engine.submit(chat('model-a', { priority: PRIORITY_NAMES.low }), { owner: 'a' });
    const urgent = engine.submit(chat('model-a', { priority: PRIORITY_NAMES.urgent }), { owner: 'b' });
    const normal = engine.submit(chat('model-a', { priority: 5 }), { owner: 'c' });
    expect([engine.get(urgent.id).position, engine.get(normal.id).position, engine.get(low.id).position]).toEqual([1, 2, 3]);
    const snapshot = engine.snapshot();
    expect(snapshot.queued.map((j) => j.id)).toEqual([urgent.id, normal.id, low.id]);
    expect(snapshot.queued[1]!.eta!.startsInSeconds).toBeGreaterThan(snapshot.queued[0]!.eta!.startsInSeconds);
    engine.setPaused(false);
    await harness.runUntil(() => engine.counts().succeeded === 3);
    const order = harness.backend.served.map((s) => s.jobId);
    expect(order).toEqual([urgent.id, normal.id, low.id]);
  });

  test('cancel removes a queued job and aborts a running one; finished jobs answer 409', async () => {
    harness = await startHarness({ slots: 1 });
    const { engine, backend } = harness;
    const first = engine.submit(chat(), { owner: 'a' });
    const second = engine.submit(chat(), { owner: 'a' });
    await harness.runUntil(() => engine.get(first.id).state === 'running');
    expect(engine.cancel(second.id).state).toBe('canceled');
    expect(engine.cancel(first.id).state).toBe('canceled');
    await harness.step(1);
    expect(backend.inFlight.size).toBe(0);
    expect(() => engine.cancel(first.id)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    expect(() => engine.get('job_nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(backend.served.map((s) => s.jobId)).not.toContain(second.id);
  });

  test('retryable failures back off and retry; final ones fail at once with the message', async () => {
    harness = await startHarness({ slots: 1 });
    const { engine, backend } = harness;
    backend.failNext('server_error');
    const retried = engine.submit(chat(), { owner: 'a' });
    await harness.runUntil(() => engine.get(retried.id).state === 'succeeded');
    expect(engine.get(retried.id).attempts).toBe(2);
    backend.failNext('context_length');
    const doomed = engine.submit(chat(), { owner: 'a' });
    await harness.runUntil(() => engine.get(doomed.id).state === 'failed');
    expect(engine.get(doomed.id).error).toMatchObject({ code: 'context_length', message: 'injected context_length' });
    expect(engine.get(doomed.id).attempts).toBe(1);
  });

  test('delayed jobs wait for runAt', async () => {
    harness = await startHarness();
    const { engine, clock } = harness;
    const at = clock.now() + 60_000;
    const job = engine.submit(chat('model-a', { runAt: at }), { owner: 'a' });
    await harness.step(30_000);
    expect(engine.get(job.id).state).toBe('queued');
    expect(engine.get(job.id).progress.stage).toBe('scheduled');
    await harness.runUntil(() => engine.get(job.id).state === 'succeeded');
    expect(harness.backend.served[0]!.startedAt).toBeGreaterThanOrEqual(at);
  });

  test('bad input and limits give clear errors and store nothing', async () => {
    harness = await startHarness({}, { maxQueued: 2, maxQueuedPerOwner: 1 });
    const { engine } = harness;
    engine.setPaused(true);
    expect(() => engine.submit({ kind: 'chat', model: 'model-a', input: {} }, { owner: 'a' })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('input.messages') }),
    );
    expect(() => engine.submit(chat('nope'), { owner: 'a' })).toThrow(
      expect.objectContaining({ code: 'unknown_model', message: expect.stringContaining('model-a, model-b') }),
    );
    engine.submit(chat(), { owner: 'a' });
    expect(() => engine.submit(chat(), { owner: 'a' })).toThrow(expect.objectContaining({ code: 'too_many_queued' }));
    engine.submit(chat(), { owner: 'b' });
    expect(() => engine.submit(chat(), { owner: 'c' })).toThrow(expect.objectContaining({ code: 'queue_full' }));
    expect(engine.counts().queued).toBe(2);
  });

  test('reprioritize moves a queued job ahead', async () => {
    harness = await startHarness({ slots: 1 });
    const { engine } = harness;
    engine.setPaused(true);
    const a = engine.submit(chat(), { owner: 'a' });
    const b = engine.submit(chat(), { owner: 'a' });
    expect(engine.get(b.id).position).toBe(2);
    expect(engine.reprioritize(b.id, 9).position).toBe(1);
    expect(engine.get(a.id).position).toBe(2);
  });

  test('model switches wait for in-flight work and never overlap', async () => {
    harness = await startHarness({ slots: 2, loadMs: 3_000 });
    const { engine, backend } = harness;
    for (let i = 0; i < 6; i++) engine.submit(chat(i % 2 ? 'model-b' : 'model-a'), { owner: `o${i % 3}` });
    await harness.runUntil(() => engine.counts().succeeded === 6);
    expect(backend.violations).toEqual([]);
    expect(backend.loads.length).toBe(2);
  });

  test('job.updated and queue.changed are coalesced under a burst', async () => {
    harness = await startHarness();
    const { engine } = harness;
    engine.setPaused(true);
    let queueEvents = 0;
    let jobEvents = 0;
    engine.on('queue.changed', () => queueEvents++);
    engine.on('job.updated', () => jobEvents++);
    for (let i = 0; i < 2_000; i++) engine.submit(chat(), { owner: `o${i % 5}` });
    await vi.waitFor(() => expect(jobEvents).toBe(2_000), { timeout: 5_000 });
    expect(queueEvents).toBeGreaterThan(0);
    expect(queueEvents).toBeLessThan(10);
    expect(jobEvents).toBe(2_000);
  });

  test('a job changed right after it was submitted is published as it is now, not as submitted', async () => {
    harness = await startHarness();
    const { engine } = harness;
    engine.setPaused(true);
    const seen = new Map<string, string>();
    engine.on('job.updated', (job) => seen.set(job.id, `${job.state}/${job.priority}`));
    const canceled = engine.submit(chat(), { owner: 'a' });
    const raised = engine.submit(chat(), { owner: 'a' });
    const untouched = engine.submit(chat(), { owner: 'a' });
    engine.cancel(canceled.id);
    engine.reprioritize(raised.id, 9);
    await vi.waitFor(() => expect(seen.size).toBe(3), { timeout: 5_000 });
    expect(seen.get(canceled.id)).toBe('canceled/5');
    expect(seen.get(raised.id)).toBe('queued/9');
    expect(seen.get(untouched.id)).toBe('queued/5');
  });

  test('ETAs learn that later, more urgent work keeps pushing low-priority jobs back', async () => {
    harness = await startHarness({ slots: 1, serviceMs: () => 2_000 }, { maxConcurrency: 1 });
    const { engine, clock } = harness;
    const errors: number[] = [];
    for (let round = 0; round < 12; round++) {
      engine.submit(chat(), { owner: 'filler' }); // takes the slot for 2 s
      const low = engine.submit(chat('model-a', { lane: 'batch', priority: 1 }), { owner: 'batch' });
      const submittedAt = clock.now();
      engine.snapshot({ offset: 0, limit: 1 }); // a full forecast, as the Queue tab shows it
      const predictedMs = engine.get(low.id).eta!.startsInSeconds * 1000;
      await harness.step(500);
      // Two urgent requests arrive after it and go first: it starts ~4 s later than the queue said.
      for (let i = 0; i < 2; i++) engine.submit(chat('model-a', { priority: 9 }), { owner: `urgent${i}` });
      await harness.runUntil(() => engine.get(low.id).state === 'succeeded');
      const actualMs = Date.parse(engine.get(low.id).startedAt!) - submittedAt;
      errors.push(Math.abs(Math.log(actualMs / predictedMs)));
    }
    // Round 0 runs on default speeds; from round 1 the speeds are learned and only the urgent
    // arrivals are missing from the forecast: it says ~1 s where the job waits 6 s.
    expect(errors[1]).toBeGreaterThan(1);
    expect(Math.max(...errors.slice(-3))).toBeLessThan(0.25);
  });
});
