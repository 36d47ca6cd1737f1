/**
 * A real engine process for the schedules kill -9 test (schedules.sigkill.test.ts). Its clock
 * reads LMQ_TEST_CLOCK_START when the process starts (on a first start: when the schedule is
 * made) and then runs in real time, so a daily schedule fires a second after it is made. With LMQ_TEST_KILL_AT it SIGKILLs itself at the
 * moment of the first scheduled fire:
 *   `in-fire`:    inside the fire's transaction, after the job's insert, before the commit;
 *   `after-fire`: as soon as the timer that fired returns (the fire's transaction committed).
 * Unset, it runs until killed. Prints `ready` once its schedules have started (catch-up done).
 * Jobs stay queued: the engine starts paused and LM Studio is an unreachable address.
 */
import type { Clock } from '../../clock';
import { createEngine } from '../../engine';
import { CreateScheduleSchema } from '../../../../shared/schedule';

const dataDir = process.env.LMQ_TEST_DATA_DIR;
const clockStart = Date.parse(process.env.LMQ_TEST_CLOCK_START ?? '');
const killAt = process.env.LMQ_TEST_KILL_AT ?? '';
if (!dataDir || !Number.isFinite(clockStart) || !['', 'in-fire', 'after-fire'].includes(killAt)) {
  throw new Error('set LMQ_TEST_DATA_DIR, LMQ_TEST_CLOCK_START (ISO) and optionally LMQ_TEST_KILL_AT=in-fire|after-fire');
}

let offset = clockStart - Date.now();
const clock: Clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const killNow = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

const engine = await createEngine({ dataDir, backend: { url: 'http://127.0.0.1:9' }, startPaused: true, clock });

// Schedules submit through engine.submit as it is at call time, so this wraps every scheduled run.
const submit = engine.submit.bind(engine);
engine.submit = (request, options) => {
  const job = submit(request, options);
  if (request.metadata?.schedule !== undefined) {
    if (killAt === 'in-fire') killNow();
    if (killAt === 'after-fire') setImmediate(killNow);
  }
  return job;
};

if (!engine.schedules.list().some((s) => s.name === 'nightly')) {
  // The engine's start took a while (more on a busy machine): the new schedule is made at the given time, not after it.
  offset = clockStart - Date.now();
  const request = CreateScheduleSchema.parse({
    name: 'nightly',
    cron: '0 3 * * *',
    timezone: 'UTC',
    overlap: 'queue',
    catchUp: 'once',
    job: { kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: 'update the norms' }] } },
  });
  engine.schedules.create(request, { owner: 'local', maxPriority: 9 });
}
console.log('ready');
// The engine's own timers are unref'd (systemClock); ours are not, but keep the process up regardless.
setInterval(() => undefined, 60_000);
