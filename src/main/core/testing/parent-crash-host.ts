/**
 * A process for the parent-job kill -9 test (engine.parents.crash.test.ts): an engine on a data
 * directory in front of the simulator that adds a batch's children as the Batch API does.
 *   tsx parent-crash-host.ts <dataDir> <backendUrl> <children>
 * Adds the children of the first unfinished parent (a new one if none) 10 at a time, from 0
 * again (indexes already there are skipped), seals it, and prints one JSON line per state:
 * {parent, children} every 20 ms, then {done: true, parent, children, childIds} at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine } from '../engine';
import type { NewChild } from '../engine-api';

const [dataDir, backendUrl, countText] = process.argv.slice(2);
const count = Number(countText);
const engine = await createEngine({ dataDir: dataDir!, backend: { url: backendUrl! }, retryBaseMs: 20, retryMaxMs: 200 });
const print = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

const existing = engine.snapshot({ limit: 0 }).parents[0];
const parent = existing ?? engine.createParent({ kind: 'batch', owner: 'batcher' });
const timer = setInterval(() => print({ parent: parent.id, children: engine.get(parent.id).children }), 20);
const line = (i: number): NewChild => ({ kind: 'chat', model: 'model-a', input: { messages: [{ role: 'user', content: `line ${i}` }], max_tokens: 40 } });
if (engine.get(parent.id).progress.stage === 'adding') {
  for (let from = 0; from < count; from += 10) {
    engine.addChildren(parent.id, from, Array.from({ length: Math.min(10, count - from) }, (_, i) => line(from + i)));
    await engine.durable();
    await sleep(30);
  }
  engine.sealParent(parent.id);
}
const done = await engine.waitForFinish(parent.id);
clearInterval(timer);
const childIds = engine.childPage(parent.id, -1, 10_000).map((c) => c.job.id);
print({ done: true, parent: parent.id, state: done.state, children: done.children, childIds });
await engine.close({ graceMs: 0 });
