/** The queue-overhead comparison with BullMQ in SUMMARY.md. */
import type { BullmqComparisonResult } from '../bullmq/bullmq-comparison';
import type { ThroughputMeasurement } from '../bullmq/measurement';
import { chartImage, num, table, type Section } from './markdown';
import { renderBarChart } from './svg-bar-chart';

const ratio = (value: number): string => (Number.isFinite(value) ? `${num(value, 2)}×` : 'n/a');

export function bullmqSection(result: BullmqComparisonResult): Section {
  const row = (label: string, m: ThroughputMeasurement): string[] => [
    label,
    num(m.addPerSec, 0),
    num(m.processPerSec, 0),
    num(m.peakRssMb, 0),
    m.redisUsedMemoryMb !== undefined ? `${num(m.redisUsedMemoryMb, 0)} (Redis memory)` : m.storeFileMb !== undefined ? `${num(m.storeFileMb, 0)} (SQLite files)` : 'n/a',
  ];
  const rows = [
    row('LM Queue, burst of submits (SQLite, durable)', result.lmQueue),
    row('LM Queue, each submit awaited until durable', result.lmQueueEach),
    row('BullMQ, addBulk (Redis, no persistence)', result.bullmqAddBulk),
    row('BullMQ, add awaited one at a time', result.bullmqAdd),
  ];
  const chart = {
    file: 'bullmq-throughput.svg',
    alt: 'Jobs per second: LM Queue and BullMQ',
    svg: renderBarChart({
      title: `Jobs per second, ${result.jobs.toLocaleString('en-US')} no-op jobs, ${result.concurrency} consumers (higher is better)`,
      unit: '/s',
      digits: 0,
      bars: [
        { label: 'LM Queue: add, burst', value: result.lmQueue.addPerSec, highlight: true },
        { label: 'BullMQ: addBulk', value: result.bullmqAddBulk.addPerSec },
        { label: 'LM Queue: add, awaited', value: result.lmQueueEach.addPerSec, highlight: true },
        { label: 'BullMQ: add, awaited', value: result.bullmqAdd.addPerSec },
        { label: 'LM Queue: claim+complete', value: result.lmQueue.processPerSec, highlight: true },
        { label: 'BullMQ: claim+complete', value: result.bullmqAddBulk.processPerSec },
      ],
    }),
  };
  const markdown = [
    `${result.jobs.toLocaleString('en-US')} no-op jobs with random priorities 0-9, ${result.concurrency} consumers on each side, ` +
      `BullMQ ${result.bullmqVersion}${result.ioredisVersion ? ` (ioredis ${result.ioredisVersion})` : ''} on Redis ${result.redisVersion}, same machine, same run (${result.mode} mode, ` +
      `${result.repeats > 1 ? `median of ${result.repeats} measurements each, taken in turn` : 'one measurement each'}; each in a fresh process).`,
    table(['Queue', 'Add (jobs/s)', 'Claim + complete (jobs/s)', 'Peak RSS of the process (MB)', 'Finished jobs held (MB)'], rows),
    table(
      ['LM Queue ÷ BullMQ', 'Ratio'],
      [
        ['Burst of submits vs addBulk', ratio(result.ratios.addVsAddBulk)],
        ['Awaited submit vs awaited add', ratio(result.ratios.addEachVsAdd)],
        ['Claim + complete', ratio(result.ratios.processVsBullmq)],
      ],
    ),
    result.notes.map((n) => `- ${n}`).join('\n'),
    chartImage(chart),
  ].join('\n\n');
  return { title: 'Queue overhead: LM Queue vs BullMQ', markdown, charts: [chart] };
}
