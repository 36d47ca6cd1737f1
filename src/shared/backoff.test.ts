import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff';

const SETTINGS = { baseMs: 100, maxMs: 1_000 };

describe('backoffDelayMs', () => {
  it('doubles per attempt up to the cap, half of each step fixed and half random', () => {
    const lowest = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, SETTINGS, () => 0));
    const highest = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, SETTINGS, () => 1));
    expect(lowest).toEqual([50, 100, 200, 400, 500]);
    expect(highest).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('treats attempts below 1 as the first, and stays finite for huge attempt numbers', () => {
    expect(backoffDelayMs(0, SETTINGS, () => 1)).toBe(100);
    expect(backoffDelayMs(10_000, SETTINGS, () => 1)).toBe(1_000);
  });
});
