/**
 * The LM Studio simulator in its own process, so the scheduler under test (and the bench itself)
 * cannot slow the simulated GPU's timers: at a 25x time scale every real millisecond of event-loop
 * stall would otherwise cost 25 simulated ones.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimModelInput } from '../../tools/lmstudio-sim/options';
import type { SimRecord } from '../../tools/lmstudio-sim/sim-record';
import { waitForExit } from '../../tools/child-process';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SimSettings {
  /** Ids, or objects with sizes and slots. */
  models: SimModelInput[];
  /** Loaded at start, as if by hand (they stay until evicted for memory). */
  initialLoaded: string[];
  memoryBytes: number;
  /** LM Studio's default: a JIT load unloads the previous JIT-loaded model. */
  jitAutoEvict: boolean;
  parallel: number;
  tokensPerSecond: number;
  promptTokensPerSecond: number;
  loadSeconds: number;
  batchExponent: number;
  minOutputTokens: number;
  maxOutputTokens: number;
  contextLength: number;
  seed: number;
  timeScale: number;
  /** Off: an eviction lets the evicted model's requests finish (kinder to naive clients); a REST unload still cuts them off. */
  evictOnSwitch: boolean;
}

export interface SimProcess {
  readonly url: string;
  record(): Promise<SimRecord>;
  resetRecord(): Promise<void>;
  close(): Promise<void>;
}

function flags(s: SimSettings): string[] {
  const args = [
    ['--port', '0'],
    ['--models', JSON.stringify(s.models)],
    ['--initial-loaded', s.initialLoaded.length > 0 ? s.initialLoaded.join(',') : 'none'],
    ['--initial-model', 'none'],
    ['--memory-gb', s.memoryBytes / 1e9],
    ['--parallel', s.parallel],
    ['--tokens-per-second', s.tokensPerSecond],
    ['--prompt-tokens-per-second', s.promptTokensPerSecond],
    ['--load-seconds', s.loadSeconds],
    ['--batch-exponent', s.batchExponent],
    ['--min-output-tokens', s.minOutputTokens],
    ['--max-output-tokens', s.maxOutputTokens],
    ['--context-length', s.contextLength],
    ['--seed', s.seed],
    ['--time-scale', s.timeScale],
  ].flatMap(([flag, value]) => [String(flag), String(value)]);
  return [...args, ...(s.evictOnSwitch ? [] : ['--no-evict']), ...(s.jitAutoEvict ? [] : ['--no-jit-auto-evict'])];
}

export async function spawnSimulator(settings: SimSettings, startTimeoutMs = 20_000): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/lmstudio-sim/cli.ts', ...flags(settings)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A bench that crashes must not leave a simulator behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`simulator did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    };
    const onEarlyExit = (code: number | null): void => fail(new Error(`simulator exited early (code ${code})`));
    child.once('exit', onEarlyExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolve(match[1]!);
      }
    });
  });

  const call = async (method: string, path: string): Promise<unknown> => {
    const response = await fetch(url + path, { method, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`simulator ${method} ${path}: HTTP ${response.status}`);
    return response.json();
  };
  return {
    url,
    record: async () => (await call('GET', '/__sim/record')) as SimRecord,
    resetRecord: async () => void (await call('DELETE', '/__sim/record')),
    async close() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
}
