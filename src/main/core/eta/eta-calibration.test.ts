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
  test('is wide before anything is learned, then covers the middle 90% of the outcomes seen, and their typical error either side', () => {
    const calibration = new EtaCalibration();
    const prior = calibration.range('batch', 3);
    expect(prior.low).toBeLessThan(1);
    // A first day where models take turns: low-lane jobs start several times later than forecast.
    expect(prior.high).toBeGreaterThanOrEqual(3.5);
    // Outcomes spread evenly from 1× to 3× the wait shown: typically 2× off.
    for (let i = 0; i < 100; i++) observe(calibration, 1, 1 + (2 * i) / 99);
    const { low, high } = calibration.range('batch', 3);
    expect(high).toBeGreaterThan(2.8);
    expect(high).toBeLessThan(3);
    // Waits that came out twice as long may come out half as long once corrected.
    expect(low).toBeGreaterThan(0.45);
    expect(low).toBeLessThan(0.55);
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

/** `n` jobs placed at `position` that each waited `ratio` times their predicted wait. */
function observeAt(calibration: EtaCalibration, n: number, ratio: number, position: number): void {
  for (let i = 0; i < n; i++) {
    const seq = Math.floor(Math.random() * 1e9);
    calibration.predicted(seq, 'batch', 3, 1_000, 10_000, position);
    calibration.started(seq, 1_000 + 10_000 * ratio);
  }
}

describe('EtaCalibration: by how far ahead the prediction looked', () => {
  test('near and far positions learn their own lateness, and positions between move smoothly', () => {
    const calibration = new EtaCalibration();
    observeAt(calibration, 60, 4, 2);
    observeAt(calibration, 60, 1.5, 512);
    const near = calibration.factor('batch', 3, 2);
    const far = calibration.factor('batch', 3, 512);
    expect(near).toBeGreaterThan(3);
    expect(far).toBeLessThan(2);
    // Every position between them gets a factor between them, falling as the position grows.
    let previous = Infinity;
    for (let position = 2; position <= 512; position *= 2) {
      const factor = calibration.factor('batch', 3, position);
      expect(factor).toBeLessThanOrEqual(previous + 1e-9);
      expect(factor).toBeGreaterThanOrEqual(far - 1e-9);
      previous = factor;
    }
    // The table a pass over the queue reads says the same.
    const table = calibration.factorTable();
    expect(table.at(1, 3, 2)).toBeCloseTo(near, 9);
    expect(table.at(1, 3, 300)).toBeCloseTo(calibration.factor('batch', 3, 300), 9);
    expect(table.at(0, 3, 2)).toBe(1);
  });
});

describe('EtaCalibration: saved and restored', () => {
  test('a restored calibration shows the same factors and ranges', () => {
    const calibration = new EtaCalibration();
    for (let i = 0; i < 50; i++) observeAt(calibration, 1, 1 + i / 25, 1 + i * 7);
    const saved = JSON.parse(JSON.stringify(calibration.takeChanged()));
    expect(calibration.takeChanged()).toBeNull(); // nothing new since
    const restored = new EtaCalibration();
    restored.restore(saved);
    for (const position of [1, 10, 100, 300]) expect(restored.factor('batch', 3, position)).toBeCloseTo(calibration.factor('batch', 3, position), 3);
    const range = calibration.range('batch', 3, 40);
    expect(restored.range('batch', 3, 40).low).toBeCloseTo(range.low, 3);
    expect(restored.range('batch', 3, 40).high).toBeCloseTo(range.high, 3);
  });

  test('a malformed or foreign saved state is ignored, entry by entry', () => {
    const calibration = new EtaCalibration();
    for (const saved of [null, 'x', 42, { version: 99, learned: [] }, { version: 1, learned: 'x' }]) calibration.restore(saved);
    calibration.restore({
      version: 1,
      learned: [
        { key: 'nobody:3', logFactor: 1, samples: 5, recent: [] },
        { key: 'batch:3', logFactor: 'big', samples: 5, recent: [] },
        { key: 'batch:4', logFactor: 50, samples: 5, recent: [1, 'x', null] },
      ],
    });
    expect(calibration.factor('batch', 3)).toBe(1);
    // Kept, but within the bounds any learned factor keeps to.
    expect(calibration.factor('batch', 4)).toBeCloseTo(8, 6);
  });
});
