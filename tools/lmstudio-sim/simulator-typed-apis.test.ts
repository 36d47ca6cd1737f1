import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorInput } from './simulator';

const running: Simulator[] = [];

async function sim(input: SimulatorInput = {}): Promise<Simulator> {
  const s = await startSimulator({ models: ['alpha', 'text-embedding-mini'], timeScale: 0.01, seed: 7, maxOutputTokens: 20, ...input });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

/** [event name, payload] for each event of an SSE body. */
function typedEvents(text: string): Array<[string, Record<string, unknown>]> {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return [eventLine!.slice('event: '.length), JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>];
    });
}

describe('typed-event APIs', () => {
  it('streams /v1/responses as OpenAI Responses events, ending with the whole response', async () => {
    const s = await sim();
    const { status, text } = await post(`${s.url}/v1/responses`, { model: 'alpha', input: 'Hello there', stream: true, max_output_tokens: 5 });
    expect(status).toBe(200);
    const events = typedEvents(text);
    const names = events.map(([name]) => name);
    expect(names.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(names.filter((name) => name === 'response.output_text.delta')).toHaveLength(5);
    const [, last] = events.at(-1)!;
    expect(last.type).toBe('response.incomplete');
    expect(last.response).toMatchObject({ object: 'response', usage: { output_tokens: 5 } });
    expect(events.map(([, data]) => data.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('answers /v1/messages in Anthropic shapes, streaming and not', async () => {
    const s = await sim();
    const request = { model: 'alpha', max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }] };
    const plain = JSON.parse((await post(`${s.url}/v1/messages`, request)).text) as Record<string, unknown>;
    expect(plain).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'max_tokens', usage: { output_tokens: 4 } });
    const streamed = typedEvents((await post(`${s.url}/v1/messages`, { ...request, stream: true })).text).map(([name]) => name);
    expect(streamed).toEqual([
      'message_start', 'content_block_start', 'ping',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
  });

  it('streams /api/v1/chat with prompt progress and a chat.end that carries the result and stats', async () => {
    const s = await sim();
    const events = typedEvents((await post(`${s.url}/api/v1/chat`, { model: 'alpha', input: 'Hi', stream: true, max_output_tokens: 3 })).text);
    const names = events.map(([name]) => name);
    expect(names).toContain('prompt_processing.progress');
    expect(names.filter((name) => name === 'message.delta')).toHaveLength(3);
    const [lastName, last] = events.at(-1)!;
    expect(lastName).toBe('chat.end');
    expect(last.result).toMatchObject({ model_instance_id: 'alpha', stats: { total_output_tokens: 3 }, response_id: expect.stringMatching(/^resp_/) });
  });

  it('tells a native chat stream about the just-in-time load it waits for, and only then', async () => {
    // timeScale 0.01 makes the 2 s load 20 ms: long enough for progress events between start and end.
    const s = await sim({ models: ['alpha', 'beta'], loadSeconds: 10 });
    const request = { model: 'beta', input: 'Hi', stream: true, max_output_tokens: 2 };
    const loading = typedEvents((await post(`${s.url}/api/v1/chat`, request)).text);
    const names = loading.map(([name]) => name);
    expect(names.slice(0, 3)).toEqual(['chat.start', 'model_load.start', 'model_load.progress']);
    const end = names.indexOf('model_load.end');
    expect(end).toBeGreaterThan(2);
    expect(names.indexOf('prompt_processing.start')).toBe(end + 1);
    const fractions = loading.filter(([name]) => name === 'model_load.progress').map(([, data]) => data.progress as number);
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(loading[end]![1]).toMatchObject({ model_instance_id: 'beta', load_time_seconds: expect.any(Number) });
    expect(loading.at(-1)![1].result).toMatchObject({ stats: { model_load_time_seconds: expect.any(Number) } });

    const loaded = typedEvents((await post(`${s.url}/api/v1/chat`, request)).text);
    expect(loaded.map(([name]) => name).filter((name) => name.startsWith('model_load'))).toEqual([]);
    expect(loaded.filter(([name]) => name === 'chat.start')).toHaveLength(1);
    expect(loaded.at(-1)![1].result).not.toHaveProperty('stats.model_load_time_seconds');
  });

  it('answers REST v0 inference like its /v1 twin and records the path it was called on', async () => {
    const s = await sim();
    const { status, text } = await post(`${s.url}/api/v0/chat/completions`, { model: 'alpha', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ object: 'chat.completion', stats: { tokens_per_second: expect.any(Number) } });
    expect(s.record.requests.at(-1)?.endpoint).toBe('/api/v0/chat/completions');
  });

  it('requires the API token on every endpoint when one is set, as "Require Authentication" does', async () => {
    const s = await sim({ apiToken: 'sk-lm-secret' });
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${s.url}/api/v1/models`, { headers: { authorization: 'Bearer sk-lm-secret' } })).status).toBe(200);
    const refused = await post(`${s.url}/v1/responses`, { model: 'alpha', input: 'Hi' });
    expect(refused.status).toBe(401);
    expect(s.record.requests).toHaveLength(0);
  });
});
