import { describe, expect, test } from 'vitest';
import type { RunningJob } from '../scheduler/running-job';
import { runningJob } from '../scheduler/testing/running-job-fixture';
import { PACE_MIN_TOKENS, remainingMs } from './running-estimate';

/** A run started at 0, expected to take `serviceMs` for `expected` tokens. */
function run(fields: { expected: number; serviceMs: number; tokens?: number; firstTokens?: RunningJob['firstTokens'] }): RunningJob {
  return runningJob({
    estimate: { promptTokens: 1_500, outputTokens: fields.expected, outputSamples: 5, serviceMs: fields.serviceMs },
    tokens: fields.tokens ?? 0,
    firstTokens: fields.firstTokens ?? null,
  });
}

describe('remainingMs: what a running job still needs', () => {
  test('before any token: what is left of its estimate, never below zero', () => {
    expect(remainingMs(run({ expected: 200, serviceMs: 10_000 }), 4_000)).toBe(6_000);
    expect(remainingMs(run({ expected: 200, serviceMs: 10_000 }), 12_000)).toBe(0);
  });

  test('just after the first token of a long prompt, the estimate still holds (reading the prompt is not slow generation)', () => {
    // 3.75 s reading a 1,500-token prompt, then 1 token: a pace from the start would say 3.75 s a
    // token, 750 s for the 200 to come.
    const justStarted = run({ expected: 200, serviceMs: 10_000, tokens: 1, firstTokens: { at: 3_750, tokens: 1 } });
    expect(remainingMs(justStarted, 3_760)).toBe(10_000 - 3_760);
  });

  test('once tokens flow, its own pace counted from its first tokens', () => {
    const first = { at: 4_000, tokens: 2 };
    // 40 tokens after the first ones in 2 s: 50 ms a token, 158 tokens to go.
    const flowing = run({ expected: 200, serviceMs: 10_000, tokens: 42, firstTokens: first });
    expect(remainingMs(flowing, 6_000)).toBeCloseTo(158 * 50, 6);
    // Slower than estimated: its pace wins over what is left of the estimate.
    const slow = run({ expected: 200, serviceMs: 5_000, tokens: 42, firstTokens: first });
    expect(remainingMs(slow, 6_000)).toBeCloseTo(158 * 50, 6);
  });

  test('fewer than PACE_MIN_TOKENS after the first ones: the estimate, not a pace from a few tokens', () => {
    const few = run({ expected: 200, serviceMs: 10_000, tokens: PACE_MIN_TOKENS, firstTokens: { at: 4_000, tokens: 1 } });
    expect(remainingMs(few, 5_000)).toBe(5_000);
    const enough = run({ expected: 200, serviceMs: 10_000, tokens: PACE_MIN_TOKENS + 1, firstTokens: { at: 4_000, tokens: 1 } });
    expect(remainingMs(enough, 5_000)).toBeCloseTo((1_000 / PACE_MIN_TOKENS) * (200 - PACE_MIN_TOKENS - 1), 6);
  });

  test('past its expected length: nothing left to expect beyond what it has', () => {
    const over = run({ expected: 200, serviceMs: 10_000, tokens: 250, firstTokens: { at: 1_000, tokens: 1 } });
    expect(remainingMs(over, 20_000)).toBe(0);
  });
});
