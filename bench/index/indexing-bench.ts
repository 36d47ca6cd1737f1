/**
 * Indexing throughput through the simulator: a folder of text files (10,000 chunks; quick:
 * 2,000) indexed by the real engine and LM Studio client, against the same chunks sent straight
 * to the simulator's /v1/embeddings, 16 a request, as many at once as it has slots (the
 * simulator's own embedding speed: the most any queue in front of it could reach). Also the
 * peak resident set while indexing.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../tools/lmstudio-sim/simulator';
import { createEngine } from '../../src/main/core/engine';
import { chunkText } from '../../src/main/core/indexing/chunk-text';

const MODEL = 'text-embedding-sim';
const CHUNKS_PER_FILE = 10;
const CHUNK_TOKENS = 64;
const SLOTS = 4;
/** Chunks a request: what the index job sends. */
const PER_REQUEST = 16;

export interface IndexingResult {
  chunks: number;
  files: number;
  /** LM Queue: POST to the last vector stored. */
  seconds: number;
  chunksPerSecond: number;
  /** The same chunks straight to the simulator, same run. */
  directSeconds: number;
  directChunksPerSecond: number;
  ratioToDirect: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A file of CHUNKS_PER_FILE paragraphs, each one chunk of about CHUNK_TOKENS - 8 tokens. */
function fileText(i: number): string {
  const paragraphs = Array.from({ length: CHUNKS_PER_FILE }, (_, p) =>
    Array.from({ length: 36 }, (_, w) => `w${(i * 31 + p * 7 + w) % 5_000}`).join(' ') + '.',
  );
  return paragraphs.join('\n\n');
}

export async function runIndexingBench(options: { quick: boolean; log: (line: string) => void }): Promise<IndexingResult> {
  const files = options.quick ? 200 : 1_000;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-bench-index-')));
  const docs = join(dir, 'root', 'docs');
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(docs, `doc-${i}.txt`), fileText(i));
  const sim = await startSimulator({ models: [MODEL], parallel: SLOTS, promptTokensPerSecond: 400, timeScale: 0.005, seed: 7 });
  try {
    const direct = await directSeconds(sim.url, files);
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
    const engine = await createEngine({ dataDir: join(dir, 'data'), backend: { url: sim.url }, indexRoots: [join(dir, 'root')], maxConcurrency: SLOTS });
    try {
      const started = performance.now();
      const { job } = await engine.indexes.create({ name: 'bench', path: docs, embeddingModel: MODEL, chunkTokens: CHUNK_TOKENS, overlapTokens: 0 }, { owner: 'local', role: 'admin' });
      const done = await engine.waitForFinish(job.id);
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const index = engine.indexes.get('bench');
      if (done.state !== 'succeeded' || index.embedded !== index.chunks) throw new Error(`index job ${done.state}: ${index.embedded} of ${index.chunks} chunks embedded`);
      const result: IndexingResult = {
        chunks: index.chunks,
        files,
        seconds: round(seconds, 2),
        chunksPerSecond: Math.round(index.chunks / seconds),
        directSeconds: round(direct, 2),
        directChunksPerSecond: Math.round(index.chunks / direct),
        ratioToDirect: round(direct / seconds, 2),
        rssBeforeMb: mb(rssBefore),
        peakRssMb: mb(peakRss),
      };
      options.log(`  indexed ${result.chunks} chunks (${files} files) in ${result.seconds} s: ${result.chunksPerSecond} chunks/s; straight to the simulator ${result.directChunksPerSecond} chunks/s (${result.ratioToDirect}x); peak RSS ${result.peakRssMb} MB (from ${result.rssBeforeMb} MB)`);
      return result;
    } finally {
      clearInterval(sampler);
      await engine.close({ graceMs: 0 });
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same chunks (cut by the same chunker) to the simulator, PER_REQUEST a request, SLOTS at once. */
async function directSeconds(url: string, files: number): Promise<number> {
  const texts = Array.from({ length: files }, (_, i) => chunkText(fileText(i), { chunkTokens: CHUNK_TOKENS, overlapTokens: 0 }).map((c) => c.text)).flat();
  const requests: string[][] = [];
  for (let i = 0; i < texts.length; i += PER_REQUEST) requests.push(texts.slice(i, i + PER_REQUEST));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SLOTS }, async () => {
      while (next < requests.length) {
        const input = requests[next++]!;
        const response = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input }) });
        if (!response.ok) throw new Error(`the simulator answered ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  return (performance.now() - started) / 1000;
}
