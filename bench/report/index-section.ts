/** The index bench in SUMMARY.md: indexing against the simulator's own speed, search latency against the least work a search can be. */
import type { IndexBenchResult, Latency } from '../index/search-bench';
import { genericSection, num, table, type Section } from './markdown';

const ratio = (value: number): string => (Number.isFinite(value) ? `${num(value, 2)}×` : 'n/a');

export function indexSection(result: IndexBenchResult & Record<string, unknown>): Section {
  // name, machine and source are the results store's stamp, shown by the summary itself.
  const { mode, startedAt, search, indexing, name: _name, machine: _machine, source: _source, ...others } = result;
  const parts: string[] = [];
  if (indexing) {
    parts.push(
      `Indexing: ${indexing.files.toLocaleString('en-US')} text files, ${indexing.chunks.toLocaleString('en-US')} chunks, through the engine and LM Studio client to the simulator. ` +
        `Baseline: the same chunks sent straight to the simulator's /v1/embeddings, 16 a request, as many at once as it has slots (the most any queue in front of it could reach).`,
      table(
        ['Indexing', 'Seconds', 'Chunks/s', '÷ straight to the simulator'],
        [
          ['LM Queue index job (scan → extract → chunk → embed → store)', num(indexing.seconds, 2), num(indexing.chunksPerSecond, 0), ratio(indexing.ratioToDirect)],
          ['Baseline: straight to the simulator', num(indexing.directSeconds, 2), num(indexing.directChunksPerSecond, 0), ratio(1)],
        ],
      ),
      `Peak RSS while indexing: ${num(indexing.peakRssMb, 0)} MB (${num(indexing.rssBeforeMb, 0)} MB before).`,
    );
  }
  if (search) {
    const base = search.inMemoryLoop;
    const row = (label: string, m: Latency): string[] => [label, num(m.p50Ms, 1), num(m.p95Ms, 1), num(m.maxMs, 1), ratio(m.p50Ms / base.p50Ms), ratio(m.p95Ms / base.p95Ms)];
    parts.push(
      `Search: ${search.chunks.toLocaleString('en-US')} chunks of ${search.dimensions} dimensions in the engine's database, top ${search.k} of ${search.queries} queries ` +
        `(${mode} mode). Target p95 ≤ ${search.target.p95Ms} ms: **${search.target.met ? 'met' : 'not met'}**. ` +
        `The same top ${search.k} as the in-memory loop for ${search.sameTopK} of ${search.queries} queries (the search is exact).`,
      table(
        ['Search', 'p50 (ms)', 'p95 (ms)', 'max (ms)', 'p50 ÷ in-memory loop', 'p95 ÷ in-memory loop'],
        [
          row('IndexStore.search (sqlite-vec, file memory-mapped)', search.search),
          row('The same, file not memory-mapped', search.searchUnmapped),
          row('Baseline: plain JS loop over one in-memory Float32Array', base),
          row('Reading the stored vectors alone (SELECT of the BLOBs)', search.rawVectorRead),
        ],
      ),
      table(
        ['Filling the index', 'Value'],
        [
          ['Time (one document of 10 chunks at a time, vectors 16 at a time)', `${num(search.fill.seconds, 1)} s`],
          ['Chunks per second', num(search.fill.chunksPerSecond, 0)],
          ['Peak RSS (before filling)', `${num(search.fill.peakRssMb, 0)} MB (${num(search.fill.rssBeforeMb, 0)} MB)`],
          ['Database file', `${num(search.fill.databaseMb, 0)} MB`],
          ['IndexStore.counts at this size', `${num(search.countsMs, 1)} ms`],
        ],
      ),
    );
  }
  const rest = genericSection('', { startedAt, ...others });
  parts.push(rest.markdown);
  return { title: 'Indexes: indexing and search', markdown: parts.join('\n\n'), charts: [] };
}
