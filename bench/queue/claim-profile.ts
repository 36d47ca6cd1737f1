// Developer tool: the engine draining N queued no-op jobs through an instant backend (profile me).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/main/core/engine';
import { instantBackend } from '../instant-backend';

const size = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 4);
const engine = await createEngine({ dataDir: mkdtempSync(join(tmpdir(), 'lmq-claim-')), backend: instantBackend(['m'], concurrency), maxConcurrency: concurrency, startPaused: true });
const input = { messages: [{ role: 'user', content: 'x' }] };
for (let i = 0; i < size; i++) engine.submit({ kind: 'chat', model: 'm', input, priority: i % 10 }, { owner: `o${i % 8}` });
await engine.durable();
const t0 = performance.now();
engine.setPaused(false);
await new Promise<void>((resolve) => {
  const check = () => (engine.counts().succeeded >= size ? resolve() : setImmediate(check));
  check();
});
console.log(`claim+finish ${(size / ((performance.now() - t0) / 1000)).toFixed(0)}/s at concurrency ${concurrency}`);
await engine.close({ graceMs: 0 });
