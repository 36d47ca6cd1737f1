/**
 * bench/results/<name>.json: one file per benchmark, overwritten by each run, each stamped with
 * the machine it ran on. SUMMARY.md is regenerated from whatever files exist.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, describeSource, type MachineInfo, type SourceInfo } from './machine';

export const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

export interface StoredResult {
  name: string;
  machine: MachineInfo;
  source?: SourceInfo;
  [field: string]: unknown;
}

export function writeResult(name: string, result: object, dir = RESULTS_DIR): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`result name must be lowercase words joined by dashes: "${name}"`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  const stored = { name, ...result, machine: describeMachine(), source: describeSource() };
  writeFileSync(path, JSON.stringify(stored, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return path;
}

/** Every result file in `dir`, keyed by name (unreadable files are skipped with a note). */
export function readResults(dir = RESULTS_DIR, warn: (message: string) => void = () => {}): Map<string, StoredResult> {
  const results = new Map<string, StoredResult>();
  if (!existsSync(dir)) return results;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      const stored = normalize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>, file.replace(/\.json$/, ''));
      results.set(stored.name, stored);
    } catch (error) {
      warn(`skipping ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return results;
}

/** Accepts both `{name, ...fields, machine}` (writeResult) and `{machine, result}` (one wrapper object). */
function normalize(parsed: Record<string, unknown>, fallbackName: string): StoredResult {
  const wrapped = !('name' in parsed) && typeof parsed.result === 'object' && parsed.result !== null;
  const body = wrapped ? (parsed.result as Record<string, unknown>) : parsed;
  const name = typeof parsed.name === 'string' ? parsed.name : fallbackName;
  return { ...body, name, machine: parsed.machine as MachineInfo, source: parsed.source as SourceInfo | undefined };
}
