import type { EngineConfig } from '../config';
import { createEngine } from '../engine';
import type { Engine } from '../engine-api';
import { FakeBackend, type FakeBackendOptions } from './fake-backend';
import { FakeClock, settle } from './fake-clock';

export interface Harness {
  engine: Engine;
  backend: FakeBackend;
  clock: FakeClock;
  /** Advances fake time to the next timer (or by `ms`, timer by timer) and lets the engine react. */
  step(ms?: number): Promise<void>;
  /** Steps until `done()` or the step budget runs out (then throws). */
  runUntil(done: () => boolean, maxSteps?: number): Promise<void>;
}

export async function startHarness(
  backendOptions: Partial<FakeBackendOptions> = {},
  config: Partial<EngineConfig> = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const backend = new FakeBackend(clock, { models: ['model-a', 'model-b'], slots: 4, ...backendOptions });
  const engine = await createEngine({ dataDir: null, backend, clock, retryBaseMs: 100, ...config });
  // Time moves one timer at a time, letting the engine react between them, as real time would.
  const step = async (ms?: number): Promise<void> => {
    await settle();
    const target = ms === undefined ? clock.nextAt() : clock.now() + ms;
    if (target === null) return;
    for (let next = clock.nextAt(); next !== null && next <= target; next = clock.nextAt()) {
      clock.advanceTo(next);
      await settle();
    }
    clock.advanceTo(target);
    await settle();
  };
  const runUntil = async (done: () => boolean, maxSteps = 100_000): Promise<void> => {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return;
      await step();
    }
    if (!done()) throw new Error(`condition not reached after ${maxSteps} steps`);
  };
  return { engine, backend, clock, step, runUntil };
}
