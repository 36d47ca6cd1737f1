import { describe, expect, test } from 'vitest';
import { EtaCalibration, scaledPlace } from './eta-calibration';

/** `n` jobs of one lane and priority that each waited `ratio` times their predicted wait. */
function observe(calibration: EtaCalibration, n: number, ratio: number, lane: 'batch' | 'interactive' = 'batch', priority = 3): void {
  for (let i = 0; i < n; i++) {
    const seq = Math.floor(Math.random() * 1e9);
    calibration.predicted(seq, lane, priority, 1_000, 10_000);
    calibration.started(seq, 1_000 + 10_000 * ratio);
  }
}

describe('EtaCalibration', () => {
  test('learns how much longer jobs of a lane and priority really wait, and only theirs', () => {
    const calibration = new EtaCalibration();
    expect(calibration.factor('batch', 3)).toBe(1);
    observe(calibration, 40, 2);
    expect(calibration.factor('batch', 3)).toBeCloseTo(2, 5);
    expect(calibration.factor('batch', 5)).toBe(1);
    expect(calibration.factor('interactive', 3)).toBe(1);
  });

  test('follows a change in conditions, and an outlier moves it only a little', () => {
    const calibration = new EtaCalibration();
    observe(calibration, 40, 2);
    observe(calibration, 1, 1_000); // clamped to 8×, weighted 0.1
    expect(calibration.factor('batch', 3)).toBeLessThan(2 * 8 ** 0.1 + 1e-9);
    observe(calibration, 60, 1);
    expect(calibration.factor('batch', 3)).toBeLessThan(1.01);
  });

  test('learns nothing from jobs canceled before they started, or predicted to start at once', () => {
    const calibration = new EtaCalibration();
    calibration.predicted(1, 'batch', 3, 0, 10_000);
    calibration.forget(1);
    calibration.started(1, 50_000);
    calibration.predicted(2, 'batch', 3, 0, 50);
    calibration.predicted(2, 'batch', 3, 0, 10_000); // a later, longer prediction does not replace it
    calibration.started(2, 50_000);
    expect(calibration.factor('batch', 3)).toBe(1);
    expect(calibration.pendingCount).toBe(0);
  });

  test('scales the wait of a place, keeping its run time', () => {
    expect(scaledPlace({ position: 4, startAt: 1_500, finishAt: 1_800 }, 1_000, 3)).toEqual({ position: 4, startAt: 2_500, finishAt: 2_800 });
    const place = { startAt: 900, finishAt: 1_200 };
    expect(scaledPlace(place, 1_000, 3)).toEqual({ startAt: 1_000, finishAt: 1_300 });
    expect(scaledPlace(place, 1_000, 1)).toBe(place);
  });
});
