/** Shared by the schedule tests: an engine on a fake clock over a data directory that outlives it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { CreateScheduleSchema, type CreateScheduleInput } from '../../../../shared/schedule';
import type { Job, SubmitJobRequest } from '../../../../shared/job';
import { createEngine } from '../../engine';
import type { Engine } from '../../engine-api';
import { JobStore } from '../../store/job-store';
import { newJob } from '../../store/testing/store-fixtures';
import { TokenStore } from '../../store/token-store';
import { Schedules } from '../schedules';
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

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * Schedules over a bare JobStore on `path`: a submission is the job's insert, nothing more.
 * `store.abandon()` then drops the connection as a killed process would (the open write batch uncommitted).
 */
export function openBareSchedules(path: string, clock: FakeClock, options: { failAfterInsert?: () => boolean } = {}) {
  const store = new JobStore({ path });
  const tokens = new TokenStore(store.db);
  const submit = (request: SubmitJobRequest): Job => {
    const record = store.insert(
      newJob({ model: request.model, createdAt: clock.now(), metadata: request.metadata ?? null, lane: request.lane ?? 'interactive' }),
    );
    // The write after the insert fails (disk full, I/O error): the transaction must take the job back too.
    if (options.failAfterInsert?.()) throw new Error('disk I/O error');
    return { id: record.id } as Job;
  };
  const schedules = new Schedules({
    db: store.db,
    transaction: (fn) => store.transaction(fn),
    submit,
    jobState: (id) => store.getById(id)?.state ?? null,
    parents: () => {
      throw new Error('these schedules make request jobs only');
    },
    tokens: () => tokens,
    clock,
    logger: silent,
  });
  /** When each of the schedule's jobs was made, oldest first. */
  const fireTimes = (name: string): number[] =>
    (store.db.prepare(`SELECT created_at FROM jobs WHERE json_extract(metadata, '$.schedule') = ? ORDER BY seq`).all(name) as { created_at: number }[]).map(
      (row) => row.created_at,
    );
  return { store, schedules, fireTimes };
}
