import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimAbortError } from './abortable';
import { InsufficientMemoryError, ModelHost } from './model-host';
import { resolveOptions } from './options';
import { SimRecorder } from './sim-record';

const MODELS = [
  { id: 'alpha', sizeBytes: 4e9, parallel: 2 },
  { id: 'beta', sizeBytes: 4e9, parallel: 3 },
  { id: 'gamma', sizeBytes: 2e9, parallel: 1 },
  { id: 'text-embedding-mini', sizeBytes: 1e8, parallel: 4 },
];

type Op =
  | { kind: 'request'; model: number; delayMs: number; durationMs: number }
  | { kind: 'load'; model: number; delayMs: number }
  | { kind: 'unload'; instance: number; delayMs: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('request' as const), model: fc.nat(3), delayMs: fc.nat(3), durationMs: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('load' as const), model: fc.nat(3), delayMs: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unload' as const), instance: fc.nat(5), delayMs: fc.nat(3) }) },
);

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Expected outcomes of a request or load in this game: anything else is a bug. */
function ignoreExpected(error: unknown): void {
  if (!(error instanceof SimAbortError) && !(error instanceof InsufficientMemoryError)) throw error;
}

describe('model host under any mix of requests, loads and unloads', () => {
  it('keeps the budget, never overlaps loads, keeps each instance within its slots, and records every cut-off', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(4.5e9, 6.5e9, 8.5e9),
        fc.boolean(),
        fc.array(op, { minLength: 1, maxLength: 16 }),
        async (memoryBytes, jitAutoEvict, ops) => {
          const options = resolveOptions({ models: MODELS, memoryBytes, jitAutoEvict, initialLoaded: ['alpha'], loadSeconds: 2, timeScale: 0.001 });
          const recorder = new SimRecorder();
          const host = new ModelHost(options, recorder);
          let slotsKept = true;
          const pending: Promise<void>[] = [];
          for (const [i, step] of ops.entries()) {
            await realSleep(step.delayMs);
            if (step.kind === 'unload') {
              const instances = host.instances();
              if (instances.length > 0) host.unload(instances[step.instance % instances.length]!.instanceId);
            } else if (step.kind === 'load') {
              pending.push(host.loadThroughRest(MODELS[step.model]!.id).then(() => undefined, ignoreExpected));
            } else {
              const model = MODELS[step.model]!.id;
              const request = recorder.addRequest({ id: `r${i}`, clientRequestId: `job-${i}`, model, endpoint: '/v1/chat/completions', stream: false, promptTokens: 1 });
              const run = async (): Promise<void> => {
                const slot = await host.acquire(model, request, new AbortController().signal);
                slotsKept &&= host.instances().every((instance) => instance.active <= instance.parallel);
                try {
                  await host.sleep(step.durationMs / options.timeScale, slot.evicted);
                } finally {
                  host.release(slot);
                }
              };
              pending.push(run().catch(ignoreExpected));
            }
          }
          await Promise.all(pending);
          const record = recorder.snapshot();
          host.shutdown();

          expect(record.maxMemoryBytes).toBeLessThanOrEqual(memoryBytes);
          const loads = [...record.loads].sort((a, b) => a.startedAt - b.startedAt);
          for (let i = 1; i < loads.length; i++) expect(loads[i]!.startedAt).toBeGreaterThanOrEqual(loads[i - 1]!.finishedAt!);
          expect(slotsKept).toBe(true);
          for (const unload of record.unloads) expect(unload.cutOffRequestIds).toHaveLength(unload.inFlight);
          const cutOff = record.requests.filter((r) => r.evicted).map((r) => r.clientRequestId);
          expect(record.cutOff.map((c) => c.clientRequestId).sort()).toEqual(cutOff.sort());
          if (jitAutoEvict) expect(host.instances().filter((i) => i.loadedBy === 'jit').length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
