import { LMStudioClient } from '@lmstudio/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from './simulator';

const HISTORY = [{ role: 'user' as const, content: 'Say something' }];
const quiet = (lines: string[]) => {
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return { debug: () => {}, info: () => {}, warn: keep, error: keep };
};

describe("the simulator speaks LM Studio's SDK protocol", () => {
  let sim: Simulator;
  const clients: LMStudioClient[] = [];
  const warnings: string[] = [];
  const client = (options: { apiToken?: string } = {}) => {
    const made = new LMStudioClient({ baseUrl: sim.url.replace(/^http/, 'ws'), logger: quiet(warnings), verboseErrorMessages: false, ...options });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, timeScale: 0.01, loadSeconds: 0.5, parallel: 2 });
  });
  afterEach(async () => {
    sim.setApiToken(null);
    await Promise.all(clients.splice(0).map((c) => c[Symbol.asyncDispose]().catch(() => {})));
    // A communication warning means a packet failed the SDK's own schemas.
    expect(warnings.filter((line) => /communication warning/i.test(line))).toEqual([]);
    warnings.length = 0;
  });
  afterAll(() => sim.close());

  it('streams respond() and complete() through its own slots, recorded as the OpenAI requests they ran as', async () => {
    sim.resetRecord();
    const model = await client().llm.model('sim-model-a');
    const prediction = model.respond(HISTORY, { maxTokens: 10 });
    const fragments: string[] = [];
    for await (const fragment of prediction) fragments.push(fragment.content);
    const result = await prediction.result();
    expect(fragments).toHaveLength(10);
    expect(result.content).toBe(fragments.join(''));
    expect(result.stats).toMatchObject({ stopReason: 'maxPredictedTokensReached', predictedTokensCount: 10 });
    expect((await model.complete('Once', { maxTokens: 3 })).content.length).toBeGreaterThan(0);
    expect(sim.record.requests.map((r) => [r.endpoint, r.clientRequestId?.startsWith('sdk-llm-')])).toEqual([
      ['/v1/chat/completions', true],
      ['/v1/completions', true],
    ]);
  });

  it('loads a model for model() when it is not loaded, and load/unload/listLoaded work as in LM Studio', async () => {
    const sdk = client();
    expect(sim.loadedInstances.map((i) => i.model)).not.toContain('sim-model-b');
    const progress: number[] = [];
    await sdk.llm.model('sim-model-b', { verbose: false, onProgress: (p) => progress.push(p) });
    expect(sim.loadedInstances.map((i) => i.model)).toContain('sim-model-b');
    expect((await sdk.llm.listLoaded()).map((m) => m.modelKey)).toEqual(expect.arrayContaining(['sim-model-a', 'sim-model-b']));
    await sdk.llm.unload('sim-model-b');
    expect(sim.loadedInstances.map((i) => i.model)).not.toContain('sim-model-b');
    await sdk.embedding.load('text-embedding-sim', { verbose: false });
    expect(sim.loadedInstances.map((i) => i.model)).toContain('text-embedding-sim');
  });

  it('embeds, and a cancel mid-stream aborts the generation', async () => {
    const sdk = client();
    const { embedding } = await (await sdk.embedding.model('text-embedding-sim')).embed('hello');
    expect(embedding).toHaveLength(256);
    sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const prediction = (await sdk.llm.model('sim-model-a')).respond(HISTORY, { maxTokens: 10 });
    await prediction[Symbol.asyncIterator]().next();
    await prediction.cancel();
    expect((await prediction.result()).stats.stopReason).toBe('userStopped');
    await vi.waitFor(() => expect(sim.record.requests.at(-1)).toMatchObject({ endpoint: '/v1/chat/completions', aborted: true }), { timeout: 5_000, interval: 10 });
  });

  it("with Require Authentication, takes LM Studio's API token (sk-lm-ID:PASSKEY) and refuses a client without it", async () => {
    const token = 'sk-lm-abcd1234:abcdefghij0123456789';
    sim.setApiToken(token);
    await expect(client().llm.listLoaded()).rejects.toThrow(/Failed to authenticate: Invalid API token/);
    expect((await client({ apiToken: token }).llm.listLoaded()).length).toBeGreaterThan(0);
  });
});
