/**
 * A test host (testing/*-host.ts) run as a process of its own, printing one JSON line per state:
 * what the kill -9 tests start, watch, kill and start again on the same data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface HostProcess<Line> {
  child: ChildProcess;
  /** The first line `until` accepts; rejects (with the host's stderr) if the host exits before. */
  reached: Promise<Line>;
}

export class HostProcesses {
  private readonly running: ChildProcess[] = [];

  /** Starts `host` (a .ts file, through tsx) with `args`. */
  start<Line>(host: string, args: readonly string[], until: (line: Line) => boolean): HostProcess<Line> {
    const child = spawn(process.execPath, ['--import', 'tsx', host, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const reached = new Promise<Line>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (text) => {
        const line = JSON.parse(text) as Line;
        if (until(line)) resolve(line);
      });
      child.once('exit', (code, signal) => reject(new Error(`host exited (${code ?? signal}): ${stderr}`)));
    });
    return { child, reached };
  }

  /** kill -9, resolved once the process is gone. */
  async kill(child: ChildProcess): Promise<void> {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** Every host still running is killed (afterEach). */
  killAll(): void {
    for (const child of this.running.splice(0)) child.kill('SIGKILL');
  }
}
