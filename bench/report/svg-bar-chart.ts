/**
 * Small horizontal bar charts as standalone SVG (no chart library): one bar per label, the value
 * printed at the bar's end, an optional dashed reference line (a goal).
 */

export interface Bar {
  label: string;
  value: number;
  /** Drawn in the accent colour (our own result). */
  highlight?: boolean;
}

export interface BarChart {
  title: string;
  /** Printed after each value, e.g. "s" or "jobs/s". */
  unit: string;
  bars: Bar[];
  reference?: { value: number; label: string };
  /** Digits after the decimal point for printed values (default: 0 at ≥100, else 1). */
  digits?: number;
}

const WIDTH = 640;
/** Roughly the width of one character of a 13 px sans-serif label. */
const CHAR_WIDTH = 7.6;
const VALUE_WIDTH = 110;
const BAR_HEIGHT = 22;
const GAP = 10;
const TOP = 40;
const COLORS = { bar: '#9aa5b1', highlight: '#2f6fde', text: '#1f2933', muted: '#52606d', reference: '#d64545' };

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function formatValue(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : 1);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function renderBarChart(chart: BarChart): string {
  const longest = Math.max(0, ...chart.bars.map((b) => b.label.length));
  const LABEL_WIDTH = Math.round(Math.min(320, Math.max(120, longest * CHAR_WIDTH + 20)));
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const finite = chart.bars.map((b) => b.value).filter(Number.isFinite);
  const max = Math.max(1e-9, ...finite.map(Math.abs), Number.isFinite(chart.reference?.value) ? chart.reference!.value : 0);
  const scale = (v: number): number => (Number.isFinite(v) ? (Math.max(0, v) / max) * plotWidth : 0);
  const height = TOP + chart.bars.length * (BAR_HEIGHT + GAP) + (chart.reference ? 24 : 8);
  // "96%" but "7 s": a percent sign sits against its number.
  const unit = !chart.unit ? '' : chart.unit === '%' ? '%' : ` ${escapeXml(chart.unit)}`;

  const rows = chart.bars.map((bar, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP);
    const w = scale(bar.value);
    const textY = y + BAR_HEIGHT / 2 + 4;
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${textY}" text-anchor="end" fill="${COLORS.text}">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${bar.highlight ? COLORS.highlight : COLORS.bar}"/>`,
      `<text x="${(LABEL_WIDTH + w + 6).toFixed(1)}" y="${textY}" fill="${COLORS.text}">${escapeXml(formatValue(bar.value, chart.digits))}${unit}</text>`,
    ].join('');
  });
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="600" fill="${COLORS.text}">${escapeXml(chart.title)}</text>`,
    ...rows,
  ];
  if (chart.reference && Number.isFinite(chart.reference.value)) {
    const x = (LABEL_WIDTH + scale(chart.reference.value)).toFixed(1);
    const bottom = height - 20;
    parts.push(
      `<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${bottom}" stroke="${COLORS.reference}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      `<text x="${x}" y="${bottom + 14}" text-anchor="middle" font-size="11" fill="${COLORS.reference}">${escapeXml(chart.reference.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
