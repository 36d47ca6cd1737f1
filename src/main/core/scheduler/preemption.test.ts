import { describe, expect, test } from 'vitest';
import type { QueuedEntry } from '../store/job-record';
import { ENDS_SOON_MIN_SAMPLES, PREEMPT_MAX_BACKGROUND_TOKENS, PREEMPT_MAX_TOKENS, preemptible } from './preemption';
import type { RunningJob } from './running-job';
import { runningJob } from './testing/running-job-fixture';

/** A run expected to produce `expected` tokens, with `tokens` out so far. */
function run(lane: QueuedEntry['lane'], tokens: number, options: { expected?: number; samples?: number; streamed?: boolean } = {}): RunningJob {
  const expected = options.expected ?? 4_000;
  return runningJob({
    entry: { lane, promptTokens: 10 },
    estimate: { promptTokens: 10, outputTokens: expected, outputSamples: options.samples ?? 20, serviceMs: expected * 50 },
    tokens,
    firstTokens: tokens > 0 ? { at: 0, tokens: 1 } : null,
    streamedToListener: options.streamed ?? false,
  });
}

describe('preemption: what a room-making for interactive work may send back to the queue', () => {
  test('batch up to its bound of output, background up to a larger one, never interactive or live-read work', () => {
    expect(preemptible(run('batch', PREEMPT_MAX_TOKENS))).toBe(true);
    expect(preemptible(run('batch', PREEMPT_MAX_TOKENS + 1))).toBe(false);
    expect(preemptible(run('background', PREEMPT_MAX_TOKENS + 1))).toBe(true);
    expect(preemptible(run('background', PREEMPT_MAX_BACKGROUND_TOKENS))).toBe(true);
    expect(preemptible(run('background', PREEMPT_MAX_BACKGROUND_TOKENS + 1))).toBe(false);
    expect(preemptible(run('interactive', 1))).toBe(false);
    expect(preemptible(run('batch', 1, { streamed: true }))).toBe(false);
  });

  test('an answer more than half way through its expected output, with little to go, is waited for', () => {
    expect(preemptible(run('batch', 100, { expected: 200 }))).toBe(true);
    expect(preemptible(run('batch', 101, { expected: 200 }))).toBe(false);
    expect(preemptible(run('background', 800, { expected: 1_000 }))).toBe(false);
    // Half way through a long answer is still a long wait.
    expect(preemptible(run('background', 900, { expected: 1_500 }))).toBe(true);
  });

  test('an expected output resting on fewer than a few answers of its own group does not make one end soon', () => {
    // The group's one answer so far was 389 tokens; this one, 300 out, may run to 2,000.
    expect(preemptible(run('background', 300, { expected: 389, samples: 1 }))).toBe(true);
    expect(preemptible(run('background', 300, { expected: 389, samples: 0 }))).toBe(true);
    expect(preemptible(run('background', 300, { expected: 389, samples: ENDS_SOON_MIN_SAMPLES }))).toBe(false);
  });

  test('one past its expected output has no known end and is preempted while under its bound', () => {
    // Expected 200 tokens, 900 out: nothing says it ends soon.
    expect(preemptible(run('background', 900, { expected: 200 }))).toBe(true);
    expect(preemptible(run('batch', 250, { expected: 200 }))).toBe(true);
  });

  test('a request already being aborted is left alone', () => {
    const aborted = run('batch', 10);
    aborted.abortReason = 'canceled';
    expect(preemptible(aborted)).toBe(false);
  });
});
