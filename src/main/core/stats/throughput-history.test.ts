import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { ServerEvents } from '../../../shared/contract';
import type { Job } from '../../../shared/job';
import { makeCounts, makeJob } from '../../../shared/testing/job-fixtures';
import { startHarness } from '../testing/engine-harness';
import { recordEngineThroughput, ThroughputRecorder } from './throughput-history';

/** 10:00:00.000 UTC: a bucket boundary. */
const T0 = Date.parse('2026-01-01T10:00:00.000Z');

function clock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function fakeEngine(queued = 0, running = 0) {
  const emitter = new EventEmitter();
  return {
    counts: () => makeCounts(queued, running),
    on<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    emit<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]) {
      emitter.emit(event, payload);
    },
    listeners: () => emitter.listenerCount('job.updated') + emitter.listenerCount('queue.changed'),
  };
}

const streaming = (id: string, tokens: number): Job =>
  makeJob(id, { state: 'running', progress: { fraction: 0.5, stage: 'generating', message: null, tokens } });
const usage = (completionTokens: number) => ({ promptTokens: 5, completionTokens, totalTokens: completionTokens + 5 });

describe('ThroughputRecorder', () => {
  it('keeps one bucket per 10 s since it started, the current one partial', () => {
    const time = clock(T0 + 4_000);
    const recorder = new ThroughputRecorder({ now: time.now });
    recorder.addTokens(30);
    time.advance(10_000); // 10:00:14
    recorder.addTokens(12);
    recorder.addFinished();
    const history = recorder.read();
    expect(history.from).toBe(T0 + 4_000);
    expect(history.buckets).toEqual([
      { start: T0, spanMs: 10_000, tokens: 30, finished: 0, queued: 0, running: 0 },
      { start: T0 + 10_000, spanMs: 4_000, tokens: 12, finished: 1, queued: 0, running: 0 },
    ]);
  });

  it('keeps the most jobs queued and running in a bucket, and carries the counts into quiet buckets', () => {
    const time = clock();
    const recorder = new ThroughputRecorder({ now: time.now });
    recorder.setCounts(50, 2);
    time.advance(3_000);
    recorder.setCounts(4, 1);
    time.advance(25_000); // two buckets later, nothing changed
    const buckets = recorder.read().buckets;
    expect(buckets.map((b) => [b.queued, b.running])).toEqual([
      [50, 2],
      [4, 1],
      [4, 1],
    ]);
  });

  it('forgets what is older than the window, and keeps its size', () => {
    const time = clock();
    const recorder = new ThroughputRecorder({ now: time.now, windowMs: 60_000 });
    recorder.addTokens(100);
    time.advance(65_000);
    recorder.addTokens(7);
    const history = recorder.read();
    expect(history.buckets).toHaveLength(6);
    expect(history.buckets[0]!.start).toBe(T0 + 10_000);
    expect(history.buckets.reduce((sum, b) => sum + b.tokens, 0)).toBe(7);
    time.advance(3 * 3_600_000);
    expect(recorder.read().buckets).toHaveLength(6);
    expect(recorder.read().buckets.every((b) => b.tokens === 0)).toBe(true);
  });

  it('answers only the buckets from `since` on', () => {
    const time = clock();
    const recorder = new ThroughputRecorder({ now: time.now });
    time.advance(35_000);
    expect(recorder.read(T0 + 20_000).buckets.map((b) => b.start)).toEqual([T0 + 20_000, T0 + 30_000]);
  });
});

describe('recordEngineThroughput', () => {
  it('counts tokens as they stream, before any job finishes', () => {
    const time = clock();
    const engine = fakeEngine();
    const recorder = new ThroughputRecorder({ now: time.now });
    recordEngineThroughput(engine, recorder);
    for (const id of ['a', 'b', 'c', 'd']) engine.emit('job.updated', streaming(id, 40));
    engine.emit('job.updated', streaming('a', 100));
    expect(recorder.read().buckets.at(-1)).toMatchObject({ tokens: 220, finished: 0 });
  });

  it('settles the rest at the end from usage, and counts each end once', () => {
    const time = clock();
    const engine = fakeEngine();
    const recorder = new ThroughputRecorder({ now: time.now });
    recordEngineThroughput(engine, recorder);
    engine.emit('job.updated', streaming('a', 90));
    const done = makeJob('a', { state: 'succeeded', usage: usage(120) });
    engine.emit('job.updated', done);
    engine.emit('job.updated', done);
    // Not streamed: every token arrives with the end.
    engine.emit('job.updated', makeJob('e', { state: 'succeeded', usage: usage(300) }));
    expect(recorder.read().buckets.at(-1)).toMatchObject({ tokens: 420, finished: 2 });
  });

  it('counts a retried run anew, and a canceled job as no finished work', () => {
    const time = clock();
    const engine = fakeEngine();
    const recorder = new ThroughputRecorder({ now: time.now });
    recordEngineThroughput(engine, recorder);
    engine.emit('job.updated', streaming('a', 50));
    engine.emit('job.updated', makeJob('a', { state: 'queued' }));
    engine.emit('job.updated', streaming('a', 30));
    engine.emit('job.updated', makeJob('a', { state: 'canceled' }));
    expect(recorder.read().buckets.at(-1)).toMatchObject({ tokens: 80, finished: 0 });
  });

  it('starts from the engine counts, follows queue changes, and stops when told', () => {
    const time = clock();
    const engine = fakeEngine(3, 1);
    const recorder = new ThroughputRecorder({ now: time.now });
    const stop = recordEngineThroughput(engine, recorder);
    expect(recorder.read().buckets.at(-1)).toMatchObject({ queued: 3, running: 1 });
    engine.emit('queue.changed', { version: 2, counts: makeCounts(9, 2), paused: false });
    expect(recorder.read().buckets.at(-1)).toMatchObject({ queued: 9, running: 2 });
    stop();
    expect(engine.listeners()).toBe(0);
  });
});

describe('recordEngineThroughput on the engine', () => {
  it('counts the tokens of jobs still streaming', async () => {
    const harness = await startHarness();
    const recorder = new ThroughputRecorder({ now: () => harness.clock.now() });
    const stop = recordEngineThroughput(harness.engine, recorder);
    try {
      const jobs = ['a', 'b'].map(() =>
        harness.engine.submit({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'hi' }] } }, { owner: 'alice' }),
      );
      await harness.runUntil(() => jobs.every((job) => harness.backend.inFlight.has(job.id)));
      for (const job of jobs) harness.backend.inFlight.get(job.id)!.callbacks.onTokens?.(25);
      await vi.waitFor(() => expect(recorder.read().buckets.at(-1)).toMatchObject({ tokens: 50, finished: 0, running: 2 }));
    } finally {
      stop();
      await harness.engine.close({ graceMs: 0 });
    }
  });
});
