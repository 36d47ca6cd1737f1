import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { EtaCalibration } from './eta/eta-calibration';
import { ServiceModel } from './eta/service-model';
import { LearnedState } from './learned-state';
import { JobStore } from './store/job-store';
import { SettingsStore } from './store/settings-store';
import { FakeClock } from './testing/fake-clock';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDatabasePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-learned-'));
  dirs.push(dir);
  return join(dir, 'queue.db');
}

/** What an engine holds of what it learned, on the database at `path`. */
function open(path: string, clock: FakeClock) {
  const store = new JobStore({ path });
  const calibration = new EtaCalibration();
  const learned = new LearnedState({ store, settings: new SettingsStore(store.db), service: new ServiceModel(), calibration, clock });
  learned.restore();
  return { store, calibration, learned };
}

function lateBatch(calibration: EtaCalibration, n: number): void {
  for (let seq = 1; seq <= n; seq++) {
    calibration.predicted(seq, 'batch', 5, 0, 10_000, seq);
    calibration.started(seq, 30_000);
  }
}

describe('LearnedState: what the engine learned outlives a restart', () => {
  test('the ETA calibration is saved at close and restored at the next start', async () => {
    const path = freshDatabasePath();
    const clock = new FakeClock();
    const first = open(path, clock);
    lateBatch(first.calibration, 40);
    first.learned.save(true);
    await first.store.close();

    const second = open(path, clock);
    expect(second.calibration.factor('batch', 5, 20)).toBeCloseTo(3, 1);
    await second.store.close();
  });

  test('between closes, the calibration is written at most every few seconds', async () => {
    const path = freshDatabasePath();
    const clock = new FakeClock();
    const first = open(path, clock);
    const reader = new SettingsStore(first.store.db);
    const savedSamples = (): number | undefined => reader.get<{ learned: { key: string; samples: number }[] }>('etaCalibration')?.learned.find((e) => e.key === 'batch:5')?.samples;
    lateBatch(first.calibration, 10);
    first.learned.save();
    expect(savedSamples()).toBe(10);
    lateBatch(first.calibration, 10);
    first.learned.save(); // within the interval since the last write: not written yet
    expect(savedSamples()).toBe(10);
    clock.advance(10_000);
    first.learned.save();
    expect(savedSamples()).toBe(20);
    await first.store.close();
  });
});
