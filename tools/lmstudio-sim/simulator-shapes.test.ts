import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from './simulator';

const running: Simulator[] = [];

async function sim(input: SimulatorInput = {}): Promise<Simulator> {
  const s = await startSimulator({ models: ['alpha', 'beta', 'text-embedding-mini'], timeScale: 0.01, seed: 7, ...input });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The JSON payloads of an SSE body, [DONE] kept as a string. */
function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as unknown)));
}

describe('model listings', () => {
  it('answers /v1/models, /api/v0/models and /api/v1/models like LM Studio', async () => {
    const s = await sim({ parallel: 3 });
    const openai = await getJson(`${s.url}/v1/models`);
    expect(openai.body).toMatchObject({ object: 'list', data: [{ id: 'alpha', object: 'model' }, { id: 'beta' }, { id: 'text-embedding-mini' }] });

    const v0 = await getJson(`${s.url}/api/v0/models`);
    expect(v0.body.data).toEqual([
      expect.objectContaining({ id: 'alpha', type: 'llm', state: 'loaded', max_context_length: 4096 }),
      expect.objectContaining({ id: 'beta', type: 'llm', state: 'not-loaded' }),
      expect.objectContaining({ id: 'text-embedding-mini', type: 'embeddings', state: 'not-loaded' }),
    ]);

    const v1 = await getJson(`${s.url}/api/v1/models`);
    const models = v1.body.models as Array<Record<string, unknown>>;
    expect(models[0]).toMatchObject({ key: 'alpha', type: 'llm', loaded_instances: [{ id: 'alpha', config: { parallel: 3, context_length: 4096 } }] });
    expect(models[1]).toMatchObject({ key: 'beta', loaded_instances: [] });
    expect(models[2]).toMatchObject({ key: 'text-embedding-mini', type: 'embedding' });
  });

  it('lists size_bytes and every loaded instance with its own parallel, and v0 state for each loaded model', async () => {
    const s = await sim({
      models: [{ id: 'alpha', sizeBytes: 5e9, parallel: 2 }, 'beta', 'text-embedding-mini'],
      initialLoaded: ['alpha', 'text-embedding-mini'],
      parallel: 3,
    });
    const v1 = await getJson(`${s.url}/api/v1/models`);
    expect(v1.body.models).toEqual([
      expect.objectContaining({ key: 'alpha', size_bytes: 5e9, loaded_instances: [{ id: 'alpha', config: expect.objectContaining({ parallel: 2, context_length: 4096 }) }] }),
      expect.objectContaining({ key: 'beta', size_bytes: 4e9, loaded_instances: [] }),
      expect.objectContaining({ key: 'text-embedding-mini', size_bytes: 1e8, loaded_instances: [{ id: 'text-embedding-mini', config: { parallel: 3, context_length: 4096 } }] }),
    ]);
    const v0 = await getJson(`${s.url}/api/v0/models`);
    expect((v0.body.data as Array<{ id: string; state: string }>).map((m) => [m.id, m.state])).toEqual([
      ['alpha', 'loaded'],
      ['beta', 'not-loaded'],
      ['text-embedding-mini', 'loaded'],
    ]);
    expect(s.memoryInUseBytes).toBe(5.1e9);
    s.resetRecord();
    expect(s.record).toMatchObject({ maxMemoryBytes: 5.1e9, concurrency: [{ active: 0, waiting: 0, loadedModels: ['alpha', 'text-embedding-mini'] }] });
  });

  it('answers unknown or disabled endpoints with HTTP 200 and a string error, as LM Studio does', async () => {
    const s = await sim({ apis: { v1: false } });
    const res = await getJson(`${s.url}/api/v1/models`);
    expect(res).toEqual({ status: 200, body: { error: 'Unexpected endpoint or method. (GET /api/v1/models)' } });
  });
});

describe('inference shapes', () => {
  it('answers a non-streaming chat completion with usage and LM Studio stats', async () => {
    const s = await sim();
    const { status, body } = await postJson(`${s.url}/v1/chat/completions`, {
      model: 'alpha',
      messages: [{ role: 'user', content: 'Say something short please' }],
      max_tokens: 8,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'alpha',
      choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: expect.any(String) } }],
      usage: { prompt_tokens: 7, completion_tokens: 8, total_tokens: 15 },
      stats: { tokens_per_second: expect.any(Number), time_to_first_token: expect.any(Number), stop_reason: 'maxPredictedTokensReached' },
    });
  });

  it('streams chat chunks, a usage chunk when asked, then [DONE]', async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'alpha', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = sseData(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Array<{ object: string; choices: Array<Record<string, unknown>>; usage?: unknown }>;
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.filter((c) => (c.choices[0]?.delta as { content?: string } | undefined)?.content !== undefined)).toHaveLength(5);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ finish_reason: 'length' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
  });

  it('streams tool calls as deltas when tools are offered', async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'alpha',
        messages: [{ role: 'user', content: 'look it up' }],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
        max_tokens: 6,
        stream: true,
      }),
    });
    const chunks = sseData(await res.text()).slice(0, -1) as Array<{ choices: Array<{ delta: { tool_calls?: Array<{ function: { name?: string; arguments: string } }> }; finish_reason: string | null }> }>;
    expect(chunks[0]?.choices[0]?.delta.tool_calls?.[0]?.function.name).toBe('lookup');
    const args = chunks.map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ text: expect.any(String) });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('answers text completions and embeddings', async () => {
    const s = await sim();
    const completion = await postJson(`${s.url}/v1/completions`, { model: 'alpha', prompt: 'Once upon', max_tokens: 4 });
    expect(completion.body).toMatchObject({ object: 'text_completion', choices: [{ text: expect.any(String), finish_reason: 'length' }] });

    const embedding = await postJson(`${s.url}/v1/embeddings`, { model: 'text-embedding-mini', input: ['one', 'two'] });
    expect(embedding.body).toMatchObject({ object: 'list', model: 'text-embedding-mini', data: [{ index: 0 }, { index: 1 }] });
    const vector = (embedding.body.data as Array<{ embedding: number[] }>)[0]?.embedding ?? [];
    expect(vector).toHaveLength(256);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it('rejects unknown models, wrong model types and prompts over the context length', async () => {
    const s = await sim({ contextLength: 100 });
    const unknown = await postJson(`${s.url}/v1/chat/completions`, { model: 'nope', messages: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'model_not_found', message: expect.stringContaining('"nope"') } });

    const wrongType = await postJson(`${s.url}/v1/embeddings`, { model: 'alpha', input: 'x' });
    expect(wrongType.status).toBe(400);

    const tooLong = await postJson(`${s.url}/v1/chat/completions`, { model: 'alpha', messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('context length of only 100 tokens');
    expect(s.record.requests.map((r) => r.status)).toEqual([400, 400, 400]);

    // Each input of an embeddings list is its own sequence: many that fit pass, one too long does not.
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    const manyShort = await postJson(`${s.url}/v1/embeddings`, { model: 'text-embedding-mini', input: Array.from({ length: 8 }, () => words(40)) });
    expect(manyShort.status, JSON.stringify(manyShort.body)).toBe(200);
    expect(s.record.requests.at(-1)!.promptTokens).toBeGreaterThan(100);
    const oneLong = await postJson(`${s.url}/v1/embeddings`, { model: 'text-embedding-mini', input: [words(10), words(400)] });
    expect(oneLong.status).toBe(400);
  });

  it('loads beside the loaded model through /api/v1/models/load, a repeated load as a duplicate instance, and unloads by instance id', async () => {
    const s = await sim({ loadSeconds: 2 });
    const load = await postJson(`${s.url}/api/v1/models/load`, { model: 'beta' });
    expect(load).toMatchObject({ status: 200, body: { type: 'llm', instance_id: 'beta', load_time_seconds: expect.any(Number), status: 'loaded' } });
    expect(s.loadedInstances.map((i) => i.instanceId)).toEqual(['alpha', 'beta']);
    const again = await postJson(`${s.url}/api/v1/models/load`, { model: 'beta' });
    expect(again.body).toMatchObject({ instance_id: 'beta:2' });
    const v1 = await getJson(`${s.url}/api/v1/models`);
    const beta = (v1.body.models as Array<Record<string, unknown>>).find((m) => m.key === 'beta');
    expect(beta?.loaded_instances).toEqual([expect.objectContaining({ id: 'beta' }), expect.objectContaining({ id: 'beta:2' })]);

    const unload = await postJson(`${s.url}/api/v1/models/unload`, { instance_id: 'beta:2' });
    expect(unload).toEqual({ status: 200, body: { instance_id: 'beta:2' } });
    expect(s.loadedInstances.map((i) => i.instanceId)).toEqual(['alpha', 'beta']);
    const { loads, unloads, duplicateInstances, switches } = s.record;
    expect(loads.map((l) => [l.instanceId, l.reason])).toEqual([
      ['beta', 'rest'],
      ['beta:2', 'rest'],
    ]);
    expect(unloads).toEqual([expect.objectContaining({ instanceId: 'beta:2', reason: 'rest', inFlight: 0, cutOffRequestIds: [] })]);
    expect(duplicateInstances).toEqual([expect.objectContaining({ model: 'beta', instanceId: 'beta:2' })]);
    expect(switches.map((x) => [x.from, x.to, x.reason])).toEqual([
      [null, 'beta', 'load'],
      [null, 'beta', 'load'],
      ['beta', null, 'unload'],
    ]);
    expect((await postJson(`${s.url}/api/v1/models/load`, { model: 'nope' })).status).toBe(404);
    expect((await postJson(`${s.url}/api/v1/models/unload`, { instance_id: 'beta:2' })).status).toBe(404);
  });

  it('serializes REST loads asked for at once, and records the attempt made during a load', async () => {
    const s = await sim({ loadSeconds: 3 });
    const answers = await Promise.all(['beta', 'text-embedding-mini'].map((model) => postJson(`${s.url}/api/v1/models/load`, { model })));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const [first, second] = s.record.loads;
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.finishedAt!);
    // Either may reach the simulator first.
    const [attempt, ...more] = s.record.concurrentLoads;
    expect(more).toEqual([]);
    expect([attempt!.loading, attempt!.requested].sort()).toEqual(['beta', 'text-embedding-mini']);
    expect(s.loadedInstances.map((i) => i.model).sort()).toEqual(['alpha', 'beta', 'text-embedding-mini']);
  });

  it('refuses a REST load that does not fit the memory budget, and unloads nothing for it', async () => {
    const s = await sim({ models: ['alpha', 'beta', 'gamma'], memoryBytes: 9e9, initialLoaded: ['alpha', 'beta'] });
    const refused = await postJson(`${s.url}/api/v1/models/load`, { model: 'gamma' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'insufficient_memory', message: expect.stringContaining('insufficient memory') } });
    expect(s.loadedInstances.map((i) => i.model)).toEqual(['alpha', 'beta']);
    const { refusedLoads, loads, unloads, maxMemoryBytes } = s.record;
    expect(refusedLoads).toEqual([expect.objectContaining({ model: 'gamma', reason: 'rest', neededBytes: 4e9, freeBytes: 1e9 })]);
    expect(loads).toEqual([]);
    expect(unloads).toEqual([]);
    expect(maxMemoryBytes).toBe(8e9);
  });

  it('serves its record over HTTP', async () => {
    const s = await sim();
    await postJson(`${s.url}/v1/completions`, { model: 'alpha', prompt: 'x', max_tokens: 1 });
    const record = await getJson(`${s.url}/__sim/record`);
    expect(record.body).toMatchObject({ requests: [{ endpoint: '/v1/completions', model: 'alpha', status: 200, completionTokens: 1 }], maxConcurrency: 1 });
  });
});
