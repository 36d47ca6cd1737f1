/** Shared by the schedule tests: an engine on a fake clock over a data directory that outlives it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { CreateScheduleSchema, type CreateScheduleInput } from '../../../../shared/schedule';
import { createEngine } from '../../engine';
import type { Engine } from '../../engine-api';
import { FakeBackend, type FakeBackendOptions } from '../../testing/fake-backend';
import { settle, type FakeClock } from '../../testing/fake-clock';

export const LOCAL_CREATOR = { owner: 'local', maxPriority: 9 };

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmq-schedules-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunningEngine {
  engine: Engine;
  backend: FakeBackend;
}

/** An engine on `clock`; closed when the test finishes unless the test closes it first. */
export async function startEngine(clock: FakeClock, dataDir: string | null, backend: Partial<FakeBackendOptions> = {}): Promise<RunningEngine> {
  const fake = new FakeBackend(clock, { models: ['model-a'], slots: 4, serviceMs: () => 60_000, ...backend });
  const engine = await createEngine({ dataDir, backend: fake, clock, retryBaseMs: 100 });
  onTestFinished(() => engine.close({ graceMs: 0 }));
  return { engine, backend: fake };
}

/** Moves the fake clock to `to` one timer at a time, letting the engine react between them. */
export async function advanceTo(clock: FakeClock, to: number): Promise<void> {
  await settle();
  for (let next = clock.nextAt(); next !== null && next <= to; next = clock.nextAt()) {
    clock.advanceTo(next);
    await settle();
  }
  clock.advanceTo(to);
  await settle();
}

export function scheduleRequest(input: Partial<CreateScheduleInput> & { name: string; cron: string }) {
  return CreateScheduleSchema.parse({
    timezone: 'UTC',
    job: { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'update the norms' }] } },
    ...input,
  });
}

/** Every job a schedule made, oldest first. */
export function jobsOf(engine: Engine, schedule: string) {
  return engine.list({ schedule, limit: 500 }).jobs.reverse();
}

export const at = (iso: string): number => Date.parse(iso);
