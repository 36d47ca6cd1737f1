import { describe, expect, test } from 'vitest';
import { etaOfPlace } from './job-view';

describe('a queued job’s ETA', () => {
  const now = 1_000_000;
  const place = { position: 3, rawStartAt: now + 2_000, startAt: now + 2_000, finishAt: now + 5_040, startLowAt: now + 1_960, startHighAt: now + 2_040, finishHighAt: now + 5_060 };

  test('is shown in tenths of a second, the range rounded outward so a start inside it stays inside', () => {
    expect(etaOfPlace(place, now)).toEqual({ startsInSeconds: 2, finishesInSeconds: 5, startsInSecondsLow: 1.9, startsInSecondsHigh: 2.1, finishesInSecondsHigh: 5.1 });
  });

  test('never says less than zero, even for a place whose moment has passed', () => {
    const eta = etaOfPlace(place, now + 10_000);
    expect(Object.values(eta).every((seconds) => seconds === 0)).toBe(true);
  });
});
