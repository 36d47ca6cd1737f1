import { describe, expect, it } from 'vitest';
import { createStreamAssembler } from './response-assembler';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 100, model: 'm' };

describe('chat stream assembly', () => {
  it('joins content, keeps finish_reason, usage and stats, and counts one token per content chunk', () => {
    const a = createStreamAssembler('chat');
    expect(a.add({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })).toBe(1);
    expect(a.add({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] })).toBe(1);
    expect(a.finished).toBe(false);
    expect(a.add({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })).toBe(0);
    a.add({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }, stats: { tokens_per_second: 50, time_to_first_token: 0.25 } });
    expect(a.finished).toBe(true);
    expect(a.stats).toEqual({ tokensPerSecond: 50, timeToFirstTokenMs: 250 });
    expect(a.body({ promptTokens: 0, completionTokens: 0 })).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 100,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      stats: { tokens_per_second: 50, time_to_first_token: 0.25 },
    });
  });

  it('merges tool-call deltas by index into whole calls with null content', () => {
    const a = createStreamAssembler('chat');
    a.add({ ...base, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get', arguments: '{"ci' } }] } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', function: { name: 'put', arguments: '{}' } }] } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] } }] });
    a.add({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    const body = a.body({ promptTokens: 4, completionTokens: 3 });
    expect(body.choices).toEqual([
      {
        index: 0,
        logprobs: null,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get', arguments: '{"city":"Oslo"}' } },
            { id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } },
          ],
        },
      },
    ]);
    // No usage chunk: the fallback counts are used.
    expect(body.usage).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  });

  it('keeps reasoning apart from content and handles several choices', () => {
    const a = createStreamAssembler('chat');
    a.add({ ...base, choices: [{ index: 1, delta: { content: 'B' } }, { index: 0, delta: { reasoning: 'think' } }] });
    a.add({ ...base, choices: [{ index: 0, delta: { content: 'A' }, finish_reason: 'stop' }, { index: 1, delta: {}, finish_reason: 'stop' }] });
    const choices = a.body({ promptTokens: 0, completionTokens: 0 }).choices as Array<{ message: Record<string, unknown> }>;
    expect(choices.map((c) => c.message)).toEqual([
      { role: 'assistant', content: 'A', reasoning: 'think' },
      { role: 'assistant', content: 'B' },
    ]);
  });
});

describe('completion stream assembly', () => {
  it('joins text chunks into a text_completion', () => {
    const a = createStreamAssembler('completion');
    a.add({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'Once', finish_reason: null }] });
    a.add({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: ' upon', finish_reason: 'length' }] });
    expect(a.body({ promptTokens: 1, completionTokens: 2 })).toMatchObject({
      object: 'text_completion',
      choices: [{ index: 0, text: 'Once upon', finish_reason: 'length', logprobs: null }],
    });
  });
});
