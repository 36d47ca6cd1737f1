import { describe, expect, test } from 'vitest';
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

describe('index section', () => {
  test('search latencies as ratios to the in-memory loop, the fill, and any other index measure as a table', () => {
    const section = indexSection({ mode: 'full', startedAt: '2026-01-01T00:00:00Z', search, indexing: { documentsPerSecond: 12.5 }, name: 'index', machine: {}, source: { commit: 'abc' } });
    expect(section.title).toMatch(/Indexes/);
    expect(section.markdown).toContain('100,000 chunks of 768 dimensions');
    expect(section.markdown).toContain('**met**');
    expect(section.markdown).toMatch(/\| IndexStore\.search[^|]*\| 68\.0 \| 76\.0 \| 77\.0 \| 1\.70× \| 1\.52× \|/);
    expect(section.markdown).toMatch(/\| Baseline[^|]*\| 40\.0 \| 50\.0 \| 51\.0 \| 1\.00× \| 1\.00× \|/);
    expect(section.markdown).toMatch(/\| indexing\.documentsPerSecond \| 12\.50 \|/);
    expect(section.markdown).not.toContain('source.commit');
  });

  test('the summary renders an index result with its own section', () => {
    const stored = { name: 'index', mode: 'quick', startedAt: 'x', search: { ...search, target: { p95Ms: 100, met: false } } } as unknown as StoredResult;
    const { markdown } = renderSummary(new Map([['index', stored]]));
    expect(markdown).toContain('## Indexes: search over stored chunks');
    expect(markdown).toContain('**not met**');
  });
});
