/**
 * A process for the index kill -9 test (indexing/indexes.crash.test.ts): an engine on a data
 * directory in front of the simulator, with one index root.
 *   tsx index-crash-host.ts <dataDir> <backendUrl> <root>
 * Starts indexing <root>/docs as index "crash" unless an index job for it is unfinished (then the
 * engine goes on with it), and prints {job, children, embedded, chunks} every 20 ms, then
 * {done: true, job, state, children, embedded, chunks, childIds} at the end.
 */
import { join } from 'node:path';
import { createEngine } from '../engine';

const [dataDir, backendUrl, root] = process.argv.slice(2);
const engine = await createEngine({ dataDir: dataDir!, backend: { url: backendUrl! }, indexRoots: [root!], retryBaseMs: 20, retryMaxMs: 200 });
const print = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
const caller = { owner: 'indexer', role: 'member' as const };

const existing = engine.indexes.list().find((i) => i.name === 'crash');
const jobId = existing?.lastJobId ?? (await engine.indexes.create({ name: 'crash', path: join(root!, 'docs'), embeddingModel: 'text-embedding-sim', chunkTokens: 32, overlapTokens: 0 }, caller)).job.id;
await engine.durable();
const state = () => {
  const index = engine.indexes.get('crash');
  return { job: jobId, children: engine.get(jobId).children, chunks: index.chunks, embedded: index.embedded };
};
const timer = setInterval(() => print(state()), 20);
const done = await engine.waitForFinish(jobId);
clearInterval(timer);
const childIds = engine.childPage(jobId, -1, 10_000).map((c) => c.job.id);
print({ done: true, state: done.state, ...state(), childIds });
await engine.close({ graceMs: 0 });
