import { describe, expect, it } from 'vitest';
import { createTypedStreamAssembler, readTypedUsage } from './typed-stream-assembler';

type Event = [string, Record<string, unknown>];

function feed(kind: Parameters<typeof createTypedStreamAssembler>[0], events: Event[]) {
  const assembler = createTypedStreamAssembler(kind);
  const results = events.map(([name, payload]) => assembler.add(name, { type: name, ...payload }));
  return { assembler, tokens: results.reduce((n, r) => n + r.tokens, 0), errors: results.map((r) => r.error).filter((e) => e !== null) };
}

describe('typed stream assembler', () => {
  it('puts an Anthropic message together from text, thinking and tool_use blocks', () => {
    const { assembler, tokens } = feed('messages', [
      ['message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }],
      ['content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } }],
      ['content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } }],
      ['content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'see.' } }],
      ['content_block_stop', { index: 0 }],
      ['content_block_start', { index: 1, content_block: { type: 'text', text: '' } }],
      ['ping', {}],
      ['content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Calling.' } }],
      ['content_block_stop', { index: 1 }],
      ['content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'search', input: {} } }],
      ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"q": "qu' } }],
      ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: 'eue"}' } }],
      ['content_block_stop', { index: 2 }],
      ['message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }],
    ]);
    expect(assembler.finished).toBe(false);
    assembler.add('message_stop', { type: 'message_stop' });
    expect(assembler.finished).toBe(true);
    expect(tokens).toBe(5);
    expect(assembler.usage).toEqual({ promptTokens: 12, completionTokens: 9 });
    expect(assembler.body()).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      stop_reason: 'tool_use',
      stop_sequence: null,
      content: [
        { type: 'thinking', thinking: 'Let me see.' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'queue' } },
      ],
      usage: { input_tokens: 12, output_tokens: 9 },
    });
  });

  it('takes a Response whole from response.completed, and reports response.failed and error events', () => {
    const done = feed('responses', [
      ['response.created', { response: { id: 'resp_1', status: 'in_progress' } }],
      ['response.output_text.delta', { delta: 'Hi' }],
      ['response.completed', { response: { id: 'resp_1', status: 'completed', usage: { input_tokens: 3, output_tokens: 1 } } }],
    ]);
    expect(done.tokens).toBe(1);
    expect(done.assembler.body()).toMatchObject({ id: 'resp_1', status: 'completed' });
    expect(done.assembler.usage).toEqual({ promptTokens: 3, completionTokens: 1 });
    expect(feed('responses', [['response.failed', { response: { error: { code: 'server_error', message: 'model crashed' } } }]]).errors).toEqual(['model crashed']);
    expect(feed('responses', [['error', { code: 'x', message: 'bad input' }]]).errors).toEqual(['bad input']);
  });

  it("takes LM Studio's native chat result and stats from chat.end", () => {
    const { assembler, tokens } = feed('native-chat', [
      ['chat.start', { model_instance_id: 'm' }],
      ['prompt_processing.progress', { progress: 0.5 }],
      ['reasoning.delta', { content: 'hm' }],
      ['message.delta', { content: 'Hello' }],
      ['chat.end', { result: { output: [], stats: { input_tokens: 7, total_output_tokens: 2, tokens_per_second: 40, time_to_first_token_seconds: 0.25 } } }],
    ]);
    expect(tokens).toBe(2);
    expect(assembler.usage).toEqual({ promptTokens: 7, completionTokens: 2 });
    expect(assembler.stats).toEqual({ tokensPerSecond: 40, timeToFirstTokenMs: 250 });
    expect(feed('native-chat', [['error', { error: { type: 'invalid_request', message: 'no such model' } }]]).errors).toEqual(['no such model']);
    const progress = createTypedStreamAssembler('native-chat');
    expect(progress.add('model_load.progress', { progress: 0.65 }).stage).toEqual({ name: 'model_load', fraction: 0.65 });
    expect(progress.add('prompt_processing.progress', { progress: 0.5 }).stage).toEqual({ name: 'prompt', fraction: 0.5 });
  });

  it('reads usage in each API body shape', () => {
    expect(readTypedUsage({ usage: { input_tokens: 4, output_tokens: 2 } })).toEqual({ promptTokens: 4, completionTokens: 2 });
    expect(readTypedUsage({ stats: { input_tokens: 4, total_output_tokens: 3 } })).toEqual({ promptTokens: 4, completionTokens: 3 });
    expect(readTypedUsage({ output: [] })).toBeNull();
  });
});
