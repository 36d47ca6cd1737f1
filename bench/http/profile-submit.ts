// Developer tool: run the server in this process under --cpu-prof while autocannon (in a
// worker) posts jobs, to see where a submission's time goes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/main/core/engine';
import { startServer } from '../../src/main/server/server';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { measureSubmissions } from './submission-load';

const sim = await startSimulator({ port: 0, timeScale: 0.001 });
const engine = await createEngine({ dataDir: mkdtempSync(join(tmpdir(), 'lmq-prof-')), backend: { url: sim.url } });
const server = await startServer({ engine, port: 0 });
engine.setPaused(true);
const token = engine.tokens.create({ name: 'bench', role: 'member' }).token;
const r = await measureSubmissions({ url: server.url, token, model: sim.options.models[0]!, connections: 50, durationSeconds: 6, workers: 1 });
console.log(JSON.stringify(r));
await server.close();
await engine.close({ graceMs: 0 });
await sim.close();
