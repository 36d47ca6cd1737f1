// Developer tool: times forecast() alone on an in-memory queue (no SQLite), for profiling.
import { forecast } from '../../src/main/core/eta/forecast';
import { ServiceModel } from '../../src/main/core/eta/service-model';
import { FairShare } from '../../src/main/core/scheduler/fair-share';
import { laneCaps } from '../../src/main/core/scheduler/limits';
import { QueueIndex } from '../../src/main/core/scheduler/queue-index';
import { modelViewOf } from '../../src/main/core/scheduler/resident-set';
import { LANES } from '../../src/shared/job';

const size = Number(process.argv[2] ?? 100_000);
const spread = process.argv[3] === 'spread';
const OWNERS = ['ana', 'ben', 'chen', 'dara', 'eli', 'fay', 'gus', 'hana'];
const TEAM_LANES = ['interactive', 'interactive', 'batch', 'batch', 'interactive', 'background', 'batch', 'interactive'] as const;
const now = Date.now();
const index = new QueueIndex();
for (let i = 0; i < size; i++) {
  const person = i % 8;
  index.add(
    {
      seq: i + 1,
      kind: 'chat',
      model: spread ? (i % 7 === 0 ? 'm2' : 'm1') : person === 3 && i % 16 < 8 ? 'm2' : 'm1',
      owner: OWNERS[person]!,
      lane: spread ? LANES[i % 3]! : TEAM_LANES[person]!,
      priority: spread ? i % 10 : person % 2 === 0 && i % 5 === 0 ? 7 : 5,
      createdAt: now - (size - i),
      runAt: 0,
      promptTokens: 12,
      maxTokens: 128,
    },
    now,
  );
}
const params = { slots: 4, laneCaps: laneCaps(4), maxRunningPerOwner: null, agingMs: 60_000, switchBoundMs: 60_000 };
let last: ReturnType<typeof forecast> | null = null;
// Each run writes over the one before, as the Forecaster does.
const run = () => (last = forecast({ reuse: last, index, running: [], models: modelViewOf({ resident: { m1: 4 }, roomMadeAt: now }), fair: new FairShare(), params, service: new ServiceModel(), now }));
for (let i = 0; i < 2; i++) run();
const times: number[] = [];
for (let i = 0; i < 9; i++) {
  const t0 = performance.now();
  run();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`forecast ${size} ${spread ? 'spread' : 'team'}: median ${times[4]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)})`);
