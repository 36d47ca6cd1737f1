/**
 * bench/results/SUMMARY.md (and its SVG charts) from whatever result files exist: dedicated
 * sections for the quality and BullMQ benches, generic tables for the rest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BullmqComparisonResult } from '../bullmq/bullmq-comparison';
import type { IndexBenchResult } from '../index/search-bench';
import type { QualityResult } from '../quality/quality-bench';
import { bullmqSection } from './bullmq-section';
import { indexSection } from './index-section';
import { machineLine, sourceLine, type MachineInfo } from './machine';
import { genericSection, type ChartFile, type Section } from './markdown';
import { qualitySection } from './quality-section';
import { readResults, RESULTS_DIR, type StoredResult } from './results-store';

/** Sections in this order first; any other result follows alphabetically. */
const ORDER = ['quality', 'bullmq', 'queue', 'http'];
const GENERIC_TITLES: Record<string, string> = { queue: 'Queue engine: throughput and forecast cost', http: 'HTTP server under load', chaos: 'Chaos suite (npm run chaos)', batch: 'Batch API: a 50,000-line file accepted; chats during a 2,000-request batch' };

function sectionFor(result: StoredResult): Section {
  const raw = result as unknown as Record<string, unknown>;
  if (result.name === 'quality') return qualitySection(raw as unknown as QualityResult);
  if (result.name === 'bullmq') return bullmqSection(raw as unknown as BullmqComparisonResult);
  if (result.name === 'index') return indexSection(raw as unknown as IndexBenchResult & Record<string, unknown>);
  return genericSection(GENERIC_TITLES[result.name] ?? `Results: ${result.name}`, raw);
}

export interface RenderedSummary {
  markdown: string;
  charts: ChartFile[];
}

export function renderSummary(results: Map<string, StoredResult>, generatedAt = new Date()): RenderedSummary {
  const names = [...results.keys()].sort((a, b) => {
    const rank = (n: string): number => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  // The same machine if CPU, cores and Node agree (memory is rounded differently by different writers).
  const identity = (m: Partial<MachineInfo> | undefined): string => (m ? `${m.cpu}/${m.cores}/${m.node}` : 'unknown');
  const first = names.map((n) => results.get(n)!.machine).find((m) => m !== undefined);
  const sameMachine = new Set(names.map((n) => identity(results.get(n)!.machine))).size === 1;
  const parts = ['# Benchmark results', `_Regenerated ${generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` from bench/results/*.json._`];
  if (names.length === 0) parts.push('No results yet: run `npm run bench` (or `npm run bench -- --quick`).');
  if (sameMachine && first) parts.push(`Machine: ${machineLine({ ...first, date: undefined })}.`);
  const charts: ChartFile[] = [];
  for (const name of names) {
    const result = results.get(name)!;
    let section: Section;
    try {
      section = sectionFor(result);
    } catch (error) {
      section = { title: `Results: ${name}`, markdown: `Could not render ${name}.json: ${error instanceof Error ? error.message : String(error)}`, charts: [] };
    }
    parts.push(`## ${section.title}`);
    const m = result.machine as Partial<MachineInfo> | undefined;
    const code = sourceLine(result.source);
    if (m) parts.push(sameMachine ? `_Measured ${m.date?.slice(0, 16).replace('T', ' ') ?? 'at an unknown time'} UTC${code}._` : `_Measured on ${machineLine(m)}${code}._`);
    parts.push(section.markdown);
    charts.push(...section.charts);
  }
  return { markdown: parts.join('\n\n') + '\n', charts };
}

/** Rewrites SUMMARY.md and the charts in `dir`; returns the summary's path. */
export function writeSummary(dir = RESULTS_DIR, warn: (message: string) => void = console.warn): string {
  mkdirSync(dir, { recursive: true });
  const { markdown, charts } = renderSummary(readResults(dir, warn));
  for (const chart of charts) writeFileSync(join(dir, chart.file), chart.svg);
  const path = join(dir, 'SUMMARY.md');
  writeFileSync(path, markdown);
  return path;
}
