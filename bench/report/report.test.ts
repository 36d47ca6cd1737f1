import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { PolicyMetrics } from '../quality/analyze';
import { genericSection } from './markdown';
import { readResults, writeResult } from './results-store';
import { renderSummary, writeSummary } from './summary';
import { escapeXml, renderBarChart } from './svg-bar-chart';

/** Element nesting balanced, attributes quoted, no bare `<` or `&` in text: enough to catch a broken writer. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    expect(text, 'text contains a bare &').not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    expect(m, `malformed tag at ${xml.slice(lt, lt + 40)}`).not.toBeNull();
    const [whole, closing, name, , selfClosing] = m!;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
    i = lt + whole.length;
  }
  expect(stack).toEqual([]);
}

/** Every table row has as many cells as its header. */
function assertTablesRectangular(markdown: string): void {
  const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length - 2;
  let width: number | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      width = null;
      continue;
    }
    width ??= cells(line);
    expect(cells(line), line).toBe(width);
  }
}

function policy(name: string, overrides: Partial<PolicyMetrics> = {}): PolicyMetrics {
  const wait = { jobs: 10, p50: 2, p95: 9, max: 12 };
  return {
    policy: name,
    interactiveWait: wait,
    interactiveWaitByOwner: { alice: wait, bob: wait },
    questionToAnswer: null,
    interactiveServiceMedian: 7,
    batchCompletionSeconds: 600,
    fairness: { measure: 'backlogged-service', owners: ['carol', 'dave'], windowSeconds: 100, values: [60, 40], jain: 0.96 },
    loads: 12,
    unloads: 11,
    requestsCutOff: 3,
    utilization: 0.9,
    deliveredUtilization: 0.85,
    makespanSeconds: 700,
    eta: null,
    failedJobs: 0,
    evictedRequests: 0,
    maxInFlightAtSimulator: 4,
    maxMemoryBytes: 4.5e9,
    ...overrides,
  };
}

const eta = { jobs: 5, medianPercent: 12, p90Percent: 30, medianAbsoluteSeconds: 4, medianBiasPercent: -5 };
const etaSummary = { all: eta, waited: eta, byLane: { interactive: eta }, asReturnedBySubmit: eta, asReturnedBySubmitByLane: { interactive: eta }, insideRange: { jobs: 5, share: 0.8 } };
const simulator = {
  models: ['a', { id: 'b', sizeBytes: 4e9 }],
  initialLoaded: ['a'],
  memoryBytes: 4.5e9,
  jitAutoEvict: true,
  parallel: 4,
  tokensPerSecond: 40,
  promptTokensPerSecond: 400,
  loadSeconds: 3,
  batchExponent: 0.7,
  minOutputTokens: 100,
  maxOutputTokens: 2400,
  contextLength: 8192,
  seed: 1,
  timeScale: 0.02,
  evictOnSwitch: false,
};
const workloadResult = (name: string, policies = [policy('fifo'), policy('strict-priority'), policy('lm-queue', { eta: etaSummary })]) => ({
  name,
  title: `Workload ${name}`,
  summary: `What happens in ${name}.`,
  slotCapacity: 4,
  simulator,
  workload: { jobs: 20, byLane: { batch: 10 }, byOwner: { carol: 'batch, a, priority 5' }, busyOwners: ['carol', 'dave'], interactiveOwners: ['alice'], fairness: 'backlogged-service' },
  policies,
  goals: [{ goal: 'Loads | fewer', target: '≤ 2', measured: '1', pass: true }],
  perRun: [],
});
const quality = {
  mode: 'quick',
  startedAt: '2026-01-01T00:00:00.000Z',
  wallSeconds: 60,
  runs: 1,
  timeScale: 0.02,
  seed: 1,
  variants: [],
  workloads: [workloadResult('rag-team'), workloadResult('room-for-one')],
};
const measurement = (mode: string) => ({ mode, jobs: 1000, concurrency: 8, addSeconds: 0.1, addPerSec: 10_000, processSeconds: 0.2, processPerSec: 5_000, peakRssMb: 120 });
const bullmq = {
  mode: 'quick',
  startedAt: '2026-01-01T00:00:00.000Z',
  jobs: 1000,
  concurrency: 8,
  repeats: 1,
  redisVersion: '7.0.15',
  bullmqVersion: '6.7.0',
  notes: ['a note'],
  lmQueue: measurement('lm-queue'),
  lmQueueEach: measurement('lm-queue-each'),
  bullmqAddBulk: measurement('bullmq-bulk'),
  bullmqAdd: measurement('bullmq-add'),
  ratios: { addVsAddBulk: 1, addEachVsAdd: 2, processVsBullmq: 3 },
};

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('SVG bar chart', () => {
  test('is well-formed XML with one bar per value and escaped labels', () => {
    const svg = renderBarChart({
      title: 'Waits <p95> & "friends"',
      unit: 's',
      bars: [
        { label: 'FIFO & co', value: 600 },
        { label: "LM Queue's", value: 7.25, highlight: true },
        { label: 'none', value: Number.NaN },
      ],
      reference: { value: 8, label: 'goal < 8 s' },
    });
    assertWellFormedXml(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(4); // background + three bars
    expect(svg).toContain('FIFO &amp; co');
    expect(svg).toContain('n/a');
    expect(svg).toContain('stroke-dasharray');
  });

  test('scales bars to the largest value', () => {
    const svg = renderBarChart({ title: 't', unit: '', bars: [{ label: 'a', value: 10 }, { label: 'b', value: 5 }] });
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[0]).toBeCloseTo(2 * widths[1]!);
  });

  test('escapes every XML special character', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});

describe('summary', () => {
  test('renders quality, BullMQ and unknown results with rectangular tables and referenced charts', () => {
    const results = new Map([
      ['queue', { name: 'queue', machine: undefined as never, rows: [{ jobs: 1000, perSec: 123.456 }], forecastMs: 12 }],
      ['bullmq', { name: 'bullmq', machine: undefined as never, ...bullmq }],
      ['quality', { name: 'quality', machine: undefined as never, ...quality }],
    ]);
    const { markdown, charts } = renderSummary(results, new Date('2026-01-02T03:04:00Z'));
    assertTablesRectangular(markdown);
    const headings = markdown.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## Scheduling quality: three workloads on one LM Studio',
      '## Queue overhead: LM Queue vs BullMQ',
      '## Queue engine: throughput and forecast cost',
    ]);
    expect(markdown).toContain('n/a (no ETA)');
    expect(markdown).toContain('Loads \\| fewer');
    expect(markdown).toContain('### Workload rag-team (`rag-team`)');
    expect(markdown).toContain('### Workload room-for-one (`room-for-one`)');
    expect(markdown).toContain('| Actual starts inside the forecast range (low to high, ± 1 s) | n/a (no ETA) | n/a (no ETA) | 80.0% |');
    for (const chart of charts) {
      expect(markdown).toContain(`](${chart.file})`);
      assertWellFormedXml(chart.svg);
    }
    expect(charts.map((c) => c.file)).toContain('bullmq-throughput.svg');
  });

  test('says so when there are no results', () => {
    expect(renderSummary(new Map()).markdown).toContain('No results yet');
  });

  test('generic sections flatten nested fields and tabulate arrays of rows', () => {
    const section = genericSection('x', { a: { b: 1.234, c: 'text' }, list: [{ n: 1 }, { n: 2, m: true }], tags: ['p', 'q'] });
    expect(section.markdown).toContain('| a.b | 1.23 |');
    expect(section.markdown).toContain('| tags | p, q |');
    expect(section.markdown).toContain('| 2 | true |');
    assertTablesRectangular(section.markdown);
  });

  test('writes result files stamped with the machine, and a summary beside them', () => {
    dir = mkdtempSync(join(tmpdir(), 'lmq-report-'));
    writeResult('bullmq', bullmq, dir);
    writeResult('quality', { ...quality, workloads: [workloadResult('rag-team', [policy('fifo', { utilization: Number.NaN }), policy('lm-queue')])] }, dir);
    writeFileSync(join(dir, 'broken.json'), '{');
    const warnings: string[] = [];
    const stored = readResults(dir, (w) => warnings.push(w));
    expect([...stored.keys()].sort()).toEqual(['bullmq', 'quality']);
    expect(stored.get('bullmq')!.machine.cores).toBeGreaterThan(0);
    expect(stored.get('bullmq')!.source).toHaveProperty('commit');
    expect(warnings[0]).toMatch(/broken\.json/);
    writeSummary(dir, () => {});
    const files = readdirSync(dir);
    expect(files).toContain('SUMMARY.md');
    expect(files).toContain('quality-interactive-wait.svg');
    expect(readFileSync(join(dir, 'SUMMARY.md'), 'utf8')).toContain('Machine: ');
    expect(() => writeResult('Bad Name', {}, dir!)).toThrow(/lowercase/);
  });
});
