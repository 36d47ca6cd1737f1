/** A uPlot line chart over time that follows the theme's colors and the container's width. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { timeTickLabels } from '../../format/time-ticks';

export interface ChartSeries {
  label: string;
  /** A CSS variable name, e.g. `--chart-1`, read when the chart is built. */
  colorVar: string;
  values: number[];
}

interface Props {
  title: string;
  /** Seconds since the epoch. */
  times: number[];
  /** The x range shown, in seconds since the epoch, however few points there are. */
  range: [from: number, to: number];
  series: ChartSeries[];
  height?: number;
  /** Formats y axis values, e.g. tokens/s. */
  unit?: string;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function buildOptions(
  width: number,
  height: number,
  series: ChartSeries[],
  unit: string | undefined,
  range: () => [number, number],
): uPlot.Options {
  const text = cssVar('--text-muted', '#666');
  const grid = cssVar('--border', '#ddd');
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true, range }, y: { range: (_u, min, max) => [0, Math.max(1, max, min)] } },
    axes: [
      { ...axis, space: 90, values: (_u, ticks, _axis, _space, spacing) => timeTickLabels(ticks, spacing) },
      { ...axis, size: 48, values: (_u, ticks) => ticks.map((v) => `${v}${unit ?? ''}`) },
    ],
    series: [
      {},
      ...series.map((s) => {
        const color = cssVar(s.colorVar, '#4f46e5');
        return { label: s.label, stroke: color, width: 2, fill: `${color}22`, points: { show: false } };
      }),
    ],
  };
}

export function TimeSeriesChart({ title, times, range, series, height = 200, unit }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [times, ...series.map((s) => s.values)];
  const latest = useRef({ data, series, range });
  latest.current = { data, series, range };
  const shape = series.map((s) => `${s.label}:${s.colorVar}`).join('|');

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const build = (): uPlot =>
      new uPlot(buildOptions(host.clientWidth || 600, height, latest.current.series, unit, () => latest.current.range), latest.current.data, host);
    plotRef.current = build();
    const resize = new ResizeObserver(() => plotRef.current?.setSize({ width: host.clientWidth || 600, height }));
    resize.observe(host);
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    // Colors come from CSS variables: rebuild when the OS switches theme.
    const rebuild = (): void => {
      plotRef.current?.destroy();
      plotRef.current = build();
    };
    scheme.addEventListener('change', rebuild);
    return () => {
      scheme.removeEventListener('change', rebuild);
      resize.disconnect();
      plotRef.current?.destroy();
      plotRef.current = null;
    };
    // Rebuilt only when its shape changes; data flows through setData below.
  }, [shape, height, unit]);

  useEffect(() => {
    plotRef.current?.setData(data);
  });

  return (
    <figure className="chart">
      <figcaption className="chart__title">{title}</figcaption>
      <div ref={hostRef} className="chart__plot" />
    </figure>
  );
}
