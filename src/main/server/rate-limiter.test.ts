import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then refills evenly', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 60; i++) expect(limiter.take('alice', 60).allowed).toBe(true);
    expect(limiter.take('alice', 60)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1_000;
    expect(limiter.take('alice', 60).allowed).toBe(true);
    expect(limiter.take('alice', 60).allowed).toBe(false);
  });

  it('keeps keys apart and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    expect(limiter.take('bob', 2).allowed).toBe(true);
    expect(limiter.take('bob', 2).allowed).toBe(true);
    expect(limiter.take('bob', 2)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take('carol', 2).allowed).toBe(true);
    now += 30_000;
    expect(limiter.take('bob', 2).allowed).toBe(true);
  });

  it('applies a lowered limit at once', () => {
    const limiter = new RateLimiter(() => 0);
    expect(limiter.take('dave', 100).allowed).toBe(true);
    expect(limiter.take('dave', 1).allowed).toBe(true);
    expect(limiter.take('dave', 1).allowed).toBe(false);
  });
});
