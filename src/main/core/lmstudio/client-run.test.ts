import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from '../../../../tools/lmstudio-sim/simulator';
import type { Backend, BackendRequest } from '../backend';
import { createLmStudioClient, type LmStudioClientOptions } from './client';
import { BackendError } from './errors';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(
  simInput: SimulatorInput = {},
  clientInput: Partial<LmStudioClientOptions> = {},
): Promise<{ sim: Simulator; client: Backend }> {
  const sim = await startSimulator({ models: ['alpha', 'beta', 'text-embedding-mini'], timeScale: 0.02, seed: 5, ...simInput });
  const client = createLmStudioClient({
    baseUrl: sim.url,
    timeouts: { firstTokenMs: 5_000, idleMs: 5_000, totalMs: 15_000 },
    refreshIntervalMs: 60_000,
    ...clientInput,
  });
  cleanups.push(async () => {
    await client.close();
    await sim.close();
  });
  return { sim, client };
}

function chatRequest(body: Record<string, unknown> = {}, model = 'alpha'): BackendRequest {
  return { jobId: `job-${Math.random().toString(36).slice(2)}`, kind: 'chat', model, body: { messages: [{ role: 'user', content: 'hello there' }], ...body } };
}

async function failureOf(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('streaming runs', () => {
  it('streams internally, reports tokens and raw chunks as they arrive, and returns the assembled body', async () => {
    const { sim, client } = await setup();
    const chunks: string[] = [];
    const progress: number[] = [];
    const request = chatRequest({ max_tokens: 12 });
    const outcome = await client.run(request, { signal: new AbortController().signal, onChunk: (d) => chunks.push(d), onTokens: (n) => progress.push(n) });

    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // 12 content chunks + the finish chunk; no usage-only chunk since the caller did not ask for it.
    expect(chunks).toHaveLength(13);
    expect(chunks.every((c) => (JSON.parse(c) as { choices: unknown[] }).choices.length === 1)).toBe(true);
    const content = chunks.map((c) => (JSON.parse(c) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
    expect(outcome.body).toMatchObject({
      object: 'chat.completion',
      model: 'alpha',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 12, total_tokens: 15 },
    });
    expect(outcome.usage).toMatchObject({ promptTokens: 3, completionTokens: 12, totalTokens: 15 });
    expect(sim.record.requests[0]).toMatchObject({ stream: true, clientRequestId: request.jobId, status: 200, aborted: false });
  });

  it('closing the client aborts a request in flight', async () => {
    const { sim, client } = await setup({ tokensPerSecond: 2 });
    const request = chatRequest({ max_tokens: 200 });
    let firstToken: () => void = () => {};
    const started = new Promise<void>((resolve) => (firstToken = resolve));
    const running = client.run(request, { signal: new AbortController().signal, onTokens: () => firstToken() });
    await started;
    await client.close();
    expect((await failureOf(running)).code).toBe('aborted');
    await expect.poll(() => sim.record.requests.find((r) => r.clientRequestId === request.jobId)?.aborted).toBe(true);
  });

  it('forwards the usage chunk when the caller asked for it', async () => {
    const { client } = await setup();
    const chunks: string[] = [];
    await client.run(chatRequest({ max_tokens: 2, stream: true, stream_options: { include_usage: true } }), { signal: new AbortController().signal, onChunk: (d) => chunks.push(d) });
    expect(JSON.parse(chunks.at(-1)!)).toMatchObject({ choices: [], usage: { completion_tokens: 2 } });
  });

  it('captures time to first token and generation speed', async () => {
    const { client } = await setup({ tokensPerSecond: 20, timeScale: 0.05, promptTokensPerSecond: 100 });
    const outcome = await client.run(chatRequest({ max_tokens: 30 }), { signal: new AbortController().signal });
    // 20 tokens/s simulated at 0.05 time scale is about 400 tokens/s of wall time.
    expect(outcome.stats.tokensPerSecond).toBeGreaterThan(150);
    expect(outcome.stats.tokensPerSecond).toBeLessThan(800);
    expect(outcome.stats.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(outcome.stats.durationMs).toBeGreaterThanOrEqual(outcome.stats.timeToFirstTokenMs!);
    expect(outcome.usage.tokensPerSecond).toBe(outcome.stats.tokensPerSecond);
  });

  it('runs completions (text) and embeddings (not streamed)', async () => {
    const { client } = await setup({ initialModel: 'alpha' });
    const completion = await client.run({ jobId: 'c', kind: 'completion', model: 'alpha', body: { prompt: 'Once upon a time', max_tokens: 5 } }, { signal: new AbortController().signal });
    expect(completion.body).toMatchObject({ object: 'text_completion', choices: [{ text: expect.any(String), finish_reason: 'length' }] });
    expect(completion.usage.completionTokens).toBe(5);

    const embedding = await client.run({ jobId: 'e', kind: 'embedding', model: 'text-embedding-mini', body: { input: ['a', 'b'] } }, { signal: new AbortController().signal });
    expect(embedding.body).toMatchObject({ object: 'list', data: [{ index: 0 }, { index: 1 }] });
    expect(embedding.usage).toMatchObject({ promptTokens: 2, completionTokens: 0 });
    expect(embedding.stats.timeToFirstTokenMs).toBeNull();
  });

  it('aborts on the signal: the call rejects as aborted and the simulator records the abort', async () => {
    const { sim, client } = await setup({ tokensPerSecond: 10 });
    const controller = new AbortController();
    const running = client.run(chatRequest({ max_tokens: 200 }), {
      signal: controller.signal,
      onTokens: (n) => {
        if (n === 3) controller.abort();
      },
    });
    const error = await failureOf(running);
    expect(error.code).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [record] = sim.record.requests;
    expect(record).toMatchObject({ aborted: true });
    expect(record!.completionTokens).toBeLessThan(200);
    expect(client.state().status).toBe('up');
  });
});

describe('failures', () => {
  it('classifies each kind of LM Studio failure', async () => {
    const { sim, client } = await setup({ contextLength: 50 });
    const signal = new AbortController().signal;
    const codeOf = async (request: BackendRequest): Promise<string> => (await failureOf(client.run(request, { signal }))).code;

    sim.inject({ fail500: 1 });
    expect(await codeOf(chatRequest())).toBe('server_error');
    sim.inject({ modelLoading: 1 });
    expect(await codeOf(chatRequest())).toBe('model_loading');
    expect(await codeOf(chatRequest({}, 'missing-model'))).toBe('model_not_found');
    expect(await codeOf(chatRequest({ messages: [{ role: 'user', content: 'x'.repeat(400) }] }))).toBe('context_length');
    expect(await codeOf({ jobId: 'x', kind: 'embedding', model: 'alpha', body: { input: 'x' } })).toBe('bad_request');

    const notFound = await failureOf(client.run(chatRequest({}, 'missing-model'), { signal }));
    expect(notFound.message).toContain('"missing-model"');
    expect(notFound.message).toContain(sim.url);
    expect(notFound.retryable).toBe(false);
  });

  it("treats LM Studio's HTTP 200 with a string error as a failure", async () => {
    const { sim, client } = await setup();
    sim.inject({ errorIn200: 1 });
    const error = await failureOf(client.run(chatRequest(), { signal: new AbortController().signal }));
    expect(error).toMatchObject({ code: 'server_error', status: 200, retryable: true });
    expect(error.message).toContain('crashed');
    expect(client.state().lastError).toContain('crashed');
  });

  it('fails a request cut off by an unload (someone in LM Studio) as a retryable server error', async () => {
    const { sim, client } = await setup({ tokensPerSecond: 10 });
    const failed = failureOf(client.run(chatRequest({ max_tokens: 200 }), { signal: new AbortController().signal }));
    await vi.waitFor(() => expect(sim.record.requests.some((r) => r.startedAt !== null)).toBe(true));
    await fetch(`${sim.url}/api/v1/models/unload`, { method: 'POST', body: JSON.stringify({ instance_id: 'alpha' }) });
    const error = await failed;
    expect(error).toMatchObject({ code: 'server_error', retryable: true });
  });

  it('cuts a stalled stream (idle), a slow first token, and an over-long request as timeouts', async () => {
    const { sim, client } = await setup(
      { tokensPerSecond: 10, minOutputTokens: 400, maxOutputTokens: 500 },
      { timeouts: { firstTokenMs: 150, idleMs: 150, totalMs: 600 } },
    );
    const signal = new AbortController().signal;

    sim.inject({ stall: { count: 1, afterTokens: 2 } });
    const stalled = await failureOf(client.run(chatRequest({ max_tokens: 20 }), { signal }));
    expect(stalled).toMatchObject({ code: 'timeout', retryable: true });
    expect(stalled.message).toContain('stalled');

    sim.inject({ slowFirstToken: { count: 1, ms: 400 } });
    const slow = await failureOf(client.run(chatRequest({ max_tokens: 2 }), { signal }));
    expect(slow.message).toContain('No first token');

    const long = await failureOf(client.run(chatRequest({ max_tokens: 500 }), { signal }));
    expect(long.message).toContain('in total');

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.record.requests.every((r) => r.aborted)).toBe(true);
  });
});
