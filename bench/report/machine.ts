/** The machine and the code a result was measured on, recorded with every result. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  date: string;
}

export function describeMachine(now = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: now.toISOString(),
  };
}

/** One line for a summary; tolerates machine records written by other tools (missing fields). */
export function machineLine(m: Partial<MachineInfo>): string {
  const parts = [m.cpu, m.cores === undefined ? undefined : `${m.cores} cores`, m.memoryGb === undefined ? undefined : `${m.memoryGb} GB`, m.os];
  if (m.node) parts.push(`Node ${m.node.replace(/^v/, '')}`);
  if (m.date) parts.push(m.date.slice(0, 10));
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(', ');
}

export interface SourceInfo {
  /** The commit the engine and tools were at, or null outside a git checkout. */
  commit: string | null;
  /** Whether src/ or tools/ had uncommitted changes (null when unknown). */
  dirty: boolean | null;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Which code was measured; `LMQ_BENCH_COMMIT` names it where there is no .git (an exported tree). */
export function describeSource(): SourceInfo {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src', 'tools') !== '' };
  } catch {
    return { commit: process.env.LMQ_BENCH_COMMIT ?? null, dirty: process.env.LMQ_BENCH_COMMIT ? false : null };
  }
}

export function sourceLine(source: Partial<SourceInfo> | undefined): string {
  if (!source?.commit) return '';
  return ` on commit ${source.commit.slice(0, 7)}${source.dirty ? ' with uncommitted changes' : ''}`;
}
