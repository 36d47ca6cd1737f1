import { describe, expect, test } from 'vitest';
import type { IndexingResult } from '../index/indexing-bench';
import type { SearchBenchResult } from '../index/search-bench';
import { indexSection } from './index-section';
import { renderSummary } from './summary';
import type { StoredResult } from './results-store';

const latency = (p50Ms: number, p95Ms: number) => ({ p50Ms, p95Ms, maxMs: p95Ms + 1 });
const search: SearchBenchResult = {
  chunks: 100_000,
  dimensions: 768,
  k: 10,
  queries: 200,
  fill: { seconds: 10.8, chunksPerSecond: 9_259, peakRssMb: 144, rssBeforeMb: 100, databaseMb: 380 },
  search: latency(68, 76),
  searchUnmapped: latency(242, 250),
  inMemoryLoop: latency(40, 50),
  rawVectorRead: latency(160, 170),
  ratios: { p50: 1.7, p95: 1.52 },
  sameTopK: 200,
  countsMs: 7,
  target: { p95Ms: 100, met: true },
};

const indexing: IndexingResult = { chunks: 10_000, files: 1_000, seconds: 5, chunksPerSecond: 2_000, directSeconds: 3, directChunksPerSecond: 3_333, ratioToDirect: 0.6, rssBeforeMb: 120, peakRssMb: 240 };

describe('index section', () => {
  test('search latencies as ratios to the in-memory loop, the fill, and any other index measure as a table', () => {
    const section = indexSection({ mode: 'full', startedAt: '2026-01-01T00:00:00Z', search, indexing, other: { documentsPerSecond: 12.5 }, name: 'index', machine: {}, source: { commit: 'abc' } });
    expect(section.title).toMatch(/Indexes/);
    expect(section.markdown).toContain('100,000 chunks of 768 dimensions');
    expect(section.markdown).toContain('**met**');
    expect(section.markdown).toMatch(/\| IndexStore\.search[^|]*\| 68\.0 \| 76\.0 \| 77\.0 \| 1\.70× \| 1\.52× \|/);
    expect(section.markdown).toMatch(/\| Baseline[^|]*\| 40\.0 \| 50\.0 \| 51\.0 \| 1\.00× \| 1\.00× \|/);
    expect(section.markdown).toMatch(/\| LM Queue index job[^|]*\| 5\.00 \| 2,000 \| 0\.60× \|/);
    expect(section.markdown).toMatch(/\| Baseline: straight to the simulator \| 3\.00 \| 3,333 \| 1\.00× \|/);
    expect(section.markdown).toContain('Peak RSS while indexing: 240 MB (120 MB before)');
    expect(section.markdown).toMatch(/\| other\.documentsPerSecond \| 12\.50 \|/);
    expect(section.markdown).not.toContain('source.commit');
  });

  test('the summary renders an index result with its own section', () => {
    const stored = { name: 'index', mode: 'quick', startedAt: 'x', search: { ...search, target: { p95Ms: 100, met: false } } } as unknown as StoredResult;
    const { markdown } = renderSummary(new Map([['index', stored]]));
    expect(markdown).toContain('## Indexes: indexing and search');
    expect(markdown).toContain('**not met**');
  });
});
