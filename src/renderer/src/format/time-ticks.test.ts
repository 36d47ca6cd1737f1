import { describe, expect, it } from 'vitest';
import { timeTickLabels } from './time-ticks';

const T0 = Date.parse('2026-01-01T10:00:00.000Z') / 1000;
const ticks = (count: number, spacing: number) => Array.from({ length: count }, (_, i) => T0 + i * spacing);

describe('timeTickLabels', () => {
  it('labels ticks minutes apart by hour and minute, each label different', () => {
    const labels = timeTickLabels(ticks(6, 600), 600);
    expect(new Set(labels).size).toBe(6);
    for (const label of labels) expect(label).not.toMatch(/\d:\d\d:\d\d/);
  });

  it('adds seconds when ticks are under a minute apart, so they still differ', () => {
    const labels = timeTickLabels(ticks(5, 10), 10);
    expect(new Set(labels).size).toBe(5);
    for (const label of labels) expect(label).toMatch(/\d:\d\d:\d\d/);
  });

  it('is the time of day, not the epoch', () => {
    const [label] = timeTickLabels([T0], 600);
    expect(label).toBe(new Date(T0 * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    expect(label).not.toBe(new Date(0).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  });
});
