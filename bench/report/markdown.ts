/** Markdown pieces the summary sections share: tables, number formatting, generic results. */

export interface ChartFile {
  /** File name inside bench/results (e.g. `quality-interactive-wait.svg`). */
  file: string;
  alt: string;
  svg: string;
}

export interface Section {
  title: string;
  markdown: string;
  charts: ChartFile[];
}

/** Numbers as people read them; null/NaN (a measure that does not apply) as "n/a". */
export function num(value: unknown, digits = 1): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function percent(value: unknown, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${num(value * 100, digits)}%` : 'n/a';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.map(cell).join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

export function chartImage(chart: ChartFile): string {
  return `![${chart.alt}](${chart.file})`;
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : num(value, Math.abs(value) >= 100 ? 0 : 2);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (value === null) return 'n/a';
  return null;
}

/**
 * Any result file as tables: its scalar fields (nested objects flattened to `a.b`), then one table
 * per array of objects. Used for results whose owners have no dedicated section.
 */
export function genericSection(title: string, result: Record<string, unknown>): Section {
  const scalars: string[][] = [];
  const lists: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const text = scalarText(value);
    if (text !== null) {
      scalars.push([path, text]);
      return;
    }
    if (Array.isArray(value)) {
      if (value.every((v) => scalarText(v) !== null)) scalars.push([path, value.map((v) => scalarText(v)).join(', ')]);
      else if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
        const keys = [...new Set(value.flatMap((v) => Object.keys(v as object).filter((k) => scalarText((v as Record<string, unknown>)[k]) !== null)))];
        lists.push(`**${path}**\n\n${table(keys, value.map((v) => keys.map((k) => scalarText((v as Record<string, unknown>)[k]) ?? '')))}`);
      }
      return;
    }
    if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    }
  };
  for (const [key, value] of Object.entries(result)) {
    if (key !== 'name' && key !== 'machine') walk(value, key);
  }
  const parts = [];
  if (scalars.length) parts.push(table(['Field', 'Value'], scalars));
  parts.push(...lists);
  return { title, markdown: parts.join('\n\n'), charts: [] };
}
