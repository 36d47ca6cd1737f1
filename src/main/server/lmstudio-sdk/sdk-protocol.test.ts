import { describe, expect, it } from 'vitest';
import { connectionSettings } from './sdk-caller';
import { collapseConfig, fragmentsOf, openAiMessages, openAiSampling, stopReason } from './sdk-protocol';

const stack = (fields: Array<{ key: string; value: unknown }>) => ({ layers: [{ layerName: 'apiOverride', config: { fields } }] });

describe("the SDK's requests as OpenAI requests", () => {
  it('maps sampling fields, checkbox values and stop strings; an unchecked box is left out', () => {
    const config = collapseConfig(
      stack([
        { key: 'llm.prediction.temperature', value: 0.3 },
        { key: 'llm.prediction.maxPredictedTokens', value: { checked: true, value: 64 } },
        { key: 'llm.prediction.topPSampling', value: { checked: false, value: 0.9 } },
        { key: 'llm.prediction.stopStrings', value: ['\n\n'] },
      ]),
    );
    expect(openAiSampling(config)).toEqual({ temperature: 0.3, max_tokens: 64, stop: ['\n\n'] });
  });

  it('a later layer wins', () => {
    const config = collapseConfig({
      layers: [
        { layerName: 'preset', config: { fields: [{ key: 'llm.prediction.temperature', value: 1 }] } },
        { layerName: 'apiOverride', config: { fields: [{ key: 'llm.prediction.temperature', value: 0 }] } },
      ],
    });
    expect(openAiSampling(config)).toEqual({ temperature: 0 });
  });

  it('turns a JSON schema into response_format and refuses tools and gbnf', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(openAiSampling(collapseConfig(stack([{ key: 'llm.prediction.structured', value: { type: 'json', jsonSchema: schema } }])))).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'structured', schema, strict: true } },
    });
    expect(() => openAiSampling(collapseConfig(stack([{ key: 'llm.prediction.tools', value: { type: 'toolArray', tools: [] } }])))).toThrow(/tools .* are not carried/);
    expect(() => openAiSampling(collapseConfig(stack([{ key: 'llm.prediction.structured', value: { type: 'gbnf', gbnfGrammar: 'x' } }])))).toThrow(/gbnf/);
  });

  it('joins text parts, carries tool calls and results, and refuses files', () => {
    const messages = openAiMessages({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        { role: 'assistant', content: [{ type: 'toolCallRequest', toolCallRequest: { id: 'c1', name: 'add', arguments: { x: 1 } } }] },
        { role: 'tool', content: [{ type: 'toolCallResult', content: '2', toolCallId: 'c1' }] },
      ],
    });
    expect(messages).toEqual([
      { role: 'user', content: 'ab' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"x":1}' } }] },
      { role: 'tool', content: '2', tool_call_id: 'c1' },
    ]);
    expect(() => openAiMessages({ messages: [{ role: 'user', content: [{ type: 'file', name: 'cat.png' }] }] })).toThrow(/files and images are not carried/);
  });

  it('reads fragments from chat and completion chunks, reasoning apart', () => {
    expect(fragmentsOf({ choices: [{ delta: { reasoning_content: 'hm', content: 'Hi' } }] })).toMatchObject([
      { content: 'hm', reasoningType: 'reasoning' },
      { content: 'Hi', reasoningType: 'none' },
    ]);
    expect(fragmentsOf({ choices: [{ text: 'Once' }] })).toMatchObject([{ content: 'Once' }]);
    expect(fragmentsOf({ choices: [] })).toEqual([]);
    expect([stopReason('length'), stopReason('stop'), stopReason('tool_calls')]).toEqual(['maxPredictedTokensReached', 'eosFound', 'toolCalls']);
  });
});

describe('connection settings in the clientIdentifier', () => {
  it('reads priority (number or name) and lane, ignores other words, and names a bad value', () => {
    expect(connectionSettings('my-script priority=high lane=batch')).toEqual({ priority: 7, lane: 'batch' });
    expect(connectionSettings('priority=2;lane=background')).toEqual({ priority: 2, lane: 'background' });
    expect(connectionSettings('guest:AbC+/=')).toEqual({});
    expect(() => connectionSettings('priority=highest')).toThrow(/priority must be 0-9/);
    expect(() => connectionSettings('lane=fast')).toThrow(/lane must be interactive, batch, background/);
  });
});
