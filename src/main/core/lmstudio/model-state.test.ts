import { describe, expect, it } from 'vitest';
import { loadedParallel, parseOpenAiModels, parseV0Models, parseV1Models, sourceOrder } from './model-state';

describe('model listing parsers', () => {
  it('reads REST v1: loaded instances and their parallel slots', () => {
    const snapshot = parseV1Models({
      models: [
        { key: 'qwen', type: 'llm', loaded_instances: [{ id: 'qwen', config: { context_length: 8192, parallel: 6 } }] },
        { key: 'nomic-embed', type: 'embedding', loaded_instances: [] },
      ],
    });
    expect(snapshot).toEqual({
      source: 'v1',
      models: [
        { id: 'qwen', type: 'llm', loaded: true, parallel: 6 },
        { id: 'nomic-embed', type: 'embedding', loaded: false, parallel: null },
      ],
      loadedModel: 'qwen',
      instances: [{ model: 'qwen', instanceId: 'qwen' }],
      knowsLoadState: true,
    });
    expect(loadedParallel(snapshot!)).toBe(6);
  });

  it('prefers a loaded LLM over a loaded embedding model, and tolerates missing config', () => {
    const snapshot = parseV1Models({
      models: [
        { key: 'embed', type: 'embedding', loaded_instances: [{ id: 'embed', config: {} }] },
        { key: 'llm', type: 'llm', loaded_instances: [{ id: 'llm' }, { id: 'llm:2' }] },
      ],
    });
    expect(snapshot?.loadedModel).toBe('llm');
    expect(snapshot?.instances.map((i) => i.instanceId)).toEqual(['embed', 'llm', 'llm:2']);
    expect(loadedParallel(snapshot!)).toBeNull();
  });

  it('reads REST v0 state and normalises the embeddings type', () => {
    const snapshot = parseV0Models({
      object: 'list',
      data: [
        { id: 'a', type: 'llm', state: 'not-loaded' },
        { id: 'text-embedding-x', type: 'embeddings', state: 'loaded' },
      ],
    });
    expect(snapshot?.models).toEqual([
      { id: 'a', type: 'llm', loaded: false, parallel: null },
      { id: 'text-embedding-x', type: 'embedding', loaded: true, parallel: null },
    ]);
    expect(snapshot?.loadedModel).toBe('text-embedding-x');
  });

  it('reads the OpenAI listing, which cannot say what is loaded', () => {
    const snapshot = parseOpenAiModels({ object: 'list', data: [{ id: 'a', object: 'model' }] });
    expect(snapshot).toMatchObject({ source: 'openai', loadedModel: null, knowsLoadState: false, models: [{ id: 'a', type: null, loaded: false }] });
  });

  it("rejects LM Studio's unknown-endpoint answer so the next API is tried", () => {
    const unknown = { error: 'Unexpected endpoint or method. (GET /api/v1/models)' };
    expect(parseV1Models(unknown)).toBeNull();
    expect(parseV0Models(unknown)).toBeNull();
    expect(parseOpenAiModels(unknown)).toBeNull();
  });

  it('tries the API that worked last time first', () => {
    expect(sourceOrder(null)).toEqual(['v1', 'v0', 'openai']);
    expect(sourceOrder('v0')).toEqual(['v0', 'v1', 'openai']);
  });
});
