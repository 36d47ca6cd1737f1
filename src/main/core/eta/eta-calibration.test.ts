import { describe, expect, test } from 'vitest';
import { EtaCalibration } from './eta-calibration';

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
});

describe('EtaCalibration: the range', () => {
  test('is wide before anything is learned, then covers the middle of the outcomes seen', () => {
    const calibration = new EtaCalibration();
    const prior = calibration.range('batch', 3);
    expect(prior.low).toBeLessThan(1);
    expect(prior.high).toBeGreaterThan(1);
    // Outcomes spread evenly from 1× to 3× the prediction.
    for (let i = 0; i < 100; i++) observe(calibration, 1, 1 + (2 * i) / 99);
    const { low, high } = calibration.range('batch', 3);
    expect(low).toBeGreaterThan(1.1);
    expect(low).toBeLessThan(1.4);
    expect(high).toBeGreaterThan(2.6);
    expect(high).toBeLessThan(2.9);
    // Another lane has learned nothing.
    expect(calibration.range('interactive', 3)).toEqual(prior);
  });

  test('narrows when outcomes match their predictions', () => {
    const calibration = new EtaCalibration();
    observe(calibration, 50, 1);
    const { low, high } = calibration.range('batch', 3);
    expect(low).toBeCloseTo(1, 5);
    expect(high).toBeCloseTo(1, 5);
  });
});
