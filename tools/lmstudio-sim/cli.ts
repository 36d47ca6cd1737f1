/**
 * `npm run sim -- --port 1234 --models a,b --parallel 4 ...`: runs the LM Studio simulator until
 * SIGINT/SIGTERM. Flags are described in tools/lmstudio-sim/README.md.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, type SimModelInput, type SimulatorInput } from './options';
import { startSimulator } from './simulator';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    models: { type: 'string' },
    'initial-model': { type: 'string' },
    'initial-loaded': { type: 'string' },
    'memory-gb': { type: 'string' },
    'no-jit-auto-evict': { type: 'boolean' },
    parallel: { type: 'string' },
    'tokens-per-second': { type: 'string' },
    'prompt-tokens-per-second': { type: 'string' },
    'load-seconds': { type: 'string' },
    'context-length': { type: 'string' },
    seed: { type: 'string' },
    'api-token': { type: 'string' },
    'time-scale': { type: 'string' },
    'batch-exponent': { type: 'string' },
    'min-output-tokens': { type: 'string' },
    'max-output-tokens': { type: 'string' },
    'fail-next': { type: 'string' },
    'error-rate': { type: 'string' },
    'stall-rate': { type: 'string' },
    'stall-ms': { type: 'string' },
    'no-v1': { type: 'boolean' },
    'no-v0': { type: 'boolean' },
    'no-evict': { type: 'boolean' },
    help: { type: 'boolean' },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write('Usage: npm run sim -- [--port 1234] [--models a,b,text-embedding-x] [--parallel 4] ... (see tools/lmstudio-sim/README.md)\n');
  process.exit(0);
}

function numberFlag(name: keyof typeof values): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    process.stderr.write(`--${name} must be a number, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

function listFlag(raw: string | undefined): string[] | undefined {
  return raw?.split(',').map((m) => m.trim()).filter((m) => m !== '');
}

/** A comma list of ids, or a JSON array of ids and `{id, type?, sizeBytes?, parallel?}` objects. */
function modelsFlag(raw: string | undefined): SimModelInput[] | undefined {
  if (raw === undefined || !raw.trimStart().startsWith('[')) return listFlag(raw);
  return JSON.parse(raw) as SimModelInput[];
}

const models = modelsFlag(values.models);
const initial = values['initial-model'];
const initialLoaded = values['initial-loaded'];
const memoryGb = numberFlag('memory-gb');
const input: SimulatorInput = {
  host: values.host ?? DEFAULT_OPTIONS.host,
  port: numberFlag('port') ?? 1234,
  models,
  initialModel: initial === undefined ? undefined : initial === 'none' ? null : initial,
  initialLoaded: initialLoaded === undefined || initialLoaded === 'none' ? undefined : listFlag(initialLoaded),
  memoryBytes: memoryGb === undefined ? undefined : memoryGb * 1e9,
  jitAutoEvict: !values['no-jit-auto-evict'],
  parallel: numberFlag('parallel'),
  tokensPerSecond: numberFlag('tokens-per-second'),
  promptTokensPerSecond: numberFlag('prompt-tokens-per-second'),
  loadSeconds: numberFlag('load-seconds'),
  contextLength: numberFlag('context-length'),
  seed: numberFlag('seed'),
  timeScale: numberFlag('time-scale'),
  batchExponent: numberFlag('batch-exponent'),
  minOutputTokens: numberFlag('min-output-tokens'),
  maxOutputTokens: numberFlag('max-output-tokens'),
  apis: { v1: !values['no-v1'], v0: !values['no-v0'] },
  evictOnSwitch: !values['no-evict'],
  faults: { errorRate: numberFlag('error-rate'), stallRate: numberFlag('stall-rate'), stallMs: numberFlag('stall-ms') },
  inject: { fail500: numberFlag('fail-next') },
  // LM Studio's "Require Authentication" (env LMSIM_API_TOKEN keeps it out of the process list).
  apiToken: values['api-token'] ?? process.env.LMSIM_API_TOKEN ?? undefined,
};
// Flags left out keep the defaults rather than overriding them with undefined.
const defined = JSON.parse(JSON.stringify(input)) as SimulatorInput;

const sim = await startSimulator(defined);
process.stdout.write(`LM Studio simulator listening on ${sim.url}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
