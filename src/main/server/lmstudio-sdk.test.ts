import { LMStudioClient } from '@lmstudio/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { SERVER_WAIT } from '../testing/waiting';
import { startHttpHarness, type HttpHarness } from './testing/http-harness';

const HISTORY = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say something' },
];

/** A `predict` channel as the SDK opens it (for a client that is not the SDK). */
function predictPacket() {
  return {
    type: 'channelCreate',
    endpoint: 'predict',
    channelId: 0,
    creationParameter: {
      modelSpecifier: { type: 'instanceReference', instanceReference: 'sim-model-a' },
      history: { messages: [{ role: 'user', content: [{ type: 'text', text: 'Say something' }] }] },
      predictionConfigStack: { layers: [] },
    },
  };
}

/** The SDK's own log: a warning here means a packet of ours failed its schemas. */
function sdkLogger(lines: string[]) {
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return { debug: () => {}, info: keep, warn: keep, error: keep };
}

describe("LM Studio's SDK (@lmstudio/sdk) through the queue", () => {
  let h: HttpHarness;
  const clients: LMStudioClient[] = [];
  const logs: string[] = [];

  function client(options: { clientIdentifier?: string; clientPasskey?: string } = {}): LMStudioClient {
    const made = new LMStudioClient({ baseUrl: h.url.replace(/^http/, 'ws'), logger: sdkLogger(logs), verboseErrorMessages: false, ...options });
    clients.push(made);
    return made;
  }
  const member = (clientIdentifier = 'lmq') => client({ clientIdentifier, clientPasskey: h.memberToken });

  beforeAll(async () => {
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 } });
  });
  afterEach(async () => {
    h.engine.setPaused(false);
    await Promise.all(clients.splice(0).map((c) => c[Symbol.asyncDispose]().catch(() => {})));
    expect(logs.filter((line) => /communication warning/i.test(line))).toEqual([]);
    logs.length = 0;
  });
  afterAll(() => h.close());

  it('streams respond() fragment by fragment as a chat job, with priority and lane from the clientIdentifier', async () => {
    const model = await member('priority=high;lane=batch').llm.model('sim-model-a');
    const prediction = model.respond(HISTORY, { maxTokens: 12, temperature: 0.2 });
    const fragments: string[] = [];
    for await (const fragment of prediction) fragments.push(fragment.content);
    const result = await prediction.result();
    expect(fragments).toHaveLength(12);
    expect(result.content).toBe(fragments.join(''));
    expect(result.stats).toMatchObject({ stopReason: 'maxPredictedTokensReached', predictedTokensCount: 12, promptTokensCount: expect.any(Number) });
    expect(result.stats.totalTimeSec).toBeGreaterThan(0);

    const sent = h.forwarded.at(-1)!;
    expect(sent.body).toMatchObject({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say something' }], max_tokens: 12, temperature: 0.2 });
    expect(h.engine.get(sent.jobId)).toMatchObject({ kind: 'chat', model: 'sim-model-a', owner: 'member', priority: 7, lane: 'batch', state: 'succeeded' });
  });

  it('answers complete() as a completion job and embed() as an embedding job', async () => {
    const sdk = member();
    const completed = await (await sdk.llm.model('sim-model-a')).complete('Once upon a time', { maxTokens: 5 });
    expect(completed.content.length).toBeGreaterThan(0);
    expect(h.forwarded.at(-1)).toMatchObject({ kind: 'completion', body: { prompt: 'Once upon a time', max_tokens: 5 } });

    const embedder = await sdk.embedding.model('text-embedding-sim');
    const { embedding } = await embedder.embed('a sentence to embed');
    expect(embedding).toHaveLength(256);
    const job = h.engine.get(h.forwarded.at(-1)!.jobId);
    expect(job).toMatchObject({ kind: 'embedding', model: 'text-embedding-sim', owner: 'member', state: 'succeeded' });
    expect(h.forwarded.at(-1)!.body).toMatchObject({ input: 'a sentence to embed' });
  });

  it('lists loaded models, and names what there is for a model it does not have or of the other kind', async () => {
    const sdk = member();
    const loaded = await sdk.llm.listLoaded();
    expect(loaded.map((m) => m.modelKey)).toContain('sim-model-a');
    const downloaded = await sdk.system.listDownloadedModels();
    expect(downloaded.map((m) => m.modelKey)).toEqual(expect.arrayContaining(['sim-model-a', 'sim-model-b', 'text-embedding-sim']));
    await expect(sdk.llm.model('no-such-model')).rejects.toThrow(/"no-such-model" is not available; available llm models: sim-model-a, sim-model-b/);
    await expect(sdk.llm.model('text-embedding-sim')).rejects.toThrow(/is an embedding model; use client.embedding.model/);
  });

  it('refuses load and unload: LM Queue owns loading', async () => {
    const sdk = member();
    await expect(sdk.llm.load('sim-model-b', { verbose: false })).rejects.toThrow(/LM Queue owns model loading/);
    await expect(sdk.llm.unload('sim-model-a')).rejects.toThrow(/LM Queue owns model loading/);
    expect(h.sim.record.requests.length).toBeGreaterThan(0);
    expect(h.engine.backend().resident.map((r) => r.model)).toContain('sim-model-a');
  });

  it('an abort while queued cancels the job, which never reaches LM Studio; so does a client that goes away', async () => {
    const model = await member().llm.model('sim-model-a');
    h.engine.setPaused(true);
    const abort = new AbortController();
    const prediction = model.respond(HISTORY, { maxTokens: 12, signal: abort.signal });
    const queued = await vi.waitFor(() => {
      const job = h.engine.list({ state: 'queued', owner: 'member' }).jobs[0];
      expect(job).toBeDefined();
      return job!;
    }, SERVER_WAIT);
    expect(queued.position).toBe(1);
    abort.abort();
    const result = await prediction;
    expect(result.stats.stopReason).toBe('userStopped');
    expect(result.content).toBe('');
    expect(h.engine.get(queued.id).state).toBe('canceled');

    // The SDK's own dispose waits for open predictions; a process that dies just drops the socket.
    const socket = new WebSocket(`${h.url.replace(/^http/, 'ws')}/llm`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ authVersion: 1, clientIdentifier: 'lmq', clientPasskey: h.memberToken }));
    socket.send(JSON.stringify(predictPacket()));
    const left = await vi.waitFor(() => {
      const job = h.engine.list({ state: 'queued', owner: 'member' }).jobs[0];
      expect(job).toBeDefined();
      return job!;
    }, SERVER_WAIT);
    socket.terminate();
    await vi.waitFor(() => expect(h.engine.get(left.id).state).toBe('canceled'), SERVER_WAIT);
    h.engine.setPaused(false);
    const seen = h.sim.record.requests.map((r) => r.clientRequestId);
    expect(seen).not.toContain(queued.id);
    expect(seen).not.toContain(left.id);
  });

  it("a cancel while streaming aborts LM Studio's request and ends with what came", async () => {
    h.sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const prediction = (await member().llm.model('sim-model-a')).respond(HISTORY, { maxTokens: 12 });
    const fragments = prediction[Symbol.asyncIterator]();
    await fragments.next();
    const id = h.forwarded.at(-1)!.jobId;
    await prediction.cancel();
    const result = await prediction.result();
    expect(result.stats.stopReason).toBe('userStopped');
    await vi.waitFor(() => expect(h.sim.record.requests.find((r) => r.clientRequestId === id)?.aborted).toBe(true), SERVER_WAIT);
    expect(h.engine.get(id).state).toBe('canceled');
  });

  it('a failed job rejects the prediction with its reason', async () => {
    h.sim.inject({ fail500: 1 });
    const prediction = (await member().llm.model('sim-model-a')).respond(HISTORY, { maxTokens: 4 });
    await expect(prediction).rejects.toThrow(/LM Queue job \S+ failed/);
  });

  it('a wrong LM Queue token is refused, and over loopback the SDK without one acts as the local user', async () => {
    await expect(client({ clientIdentifier: 'lmq', clientPasskey: 'lmq_not-a-real-token' }).llm.listLoaded()).rejects.toThrow(/Failed to authenticate: the token is not valid/);
    const local = await client().llm.model('sim-model-a');
    await local.respond(HISTORY, { maxTokens: 3 });
    expect(h.engine.get(h.forwarded.at(-1)!.jobId).owner).toBe('local');
  });
});

describe("LM Studio's SDK with --require-auth", () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true } });
  });
  afterAll(() => h.close());

  it('needs the token as the passkey, and says how to send it', async () => {
    const logs: string[] = [];
    const guest = new LMStudioClient({ baseUrl: h.url.replace(/^http/, 'ws'), logger: sdkLogger(logs), verboseErrorMessages: false });
    await expect(guest.llm.listLoaded()).rejects.toThrow(/LM Queue needs a token as the passkey: new LMStudioClient\(\{ baseUrl: "ws:\/\/HOST:PORT", clientIdentifier: "lmq", clientPasskey: "<LM Queue token>" \}\)/);
    await guest[Symbol.asyncDispose]().catch(() => {});
    const member = new LMStudioClient({ baseUrl: h.url.replace(/^http/, 'ws'), logger: sdkLogger(logs), clientIdentifier: 'lmq', clientPasskey: h.memberToken });
    expect((await member.llm.listLoaded()).length).toBeGreaterThan(0);
    await member[Symbol.asyncDispose]();
  });
});
