import { describe, expect, test } from 'vitest';
import { newJobId } from './job-id';

describe('job ids', () => {
  test('are unique, URL-safe, and sort by creation time', () => {
    const times = [0, 1, 63, 64, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2 ** 47];
    const ids = times.map((t) => newJobId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^job_[A-Za-z0-9_-]{20}$/);
    const burst = Array.from({ length: 1000 }, () => newJobId(5));
    expect(new Set(burst).size).toBe(1000);
  });
});

