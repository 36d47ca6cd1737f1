import { describe, expect, it } from 'vitest';
import { displayModel, parseOpenAiModels, parseV0Models, parseV1Models, residentSlots, sourceOrder } from './model-state';

describe('model listing parsers', () => {
  it('reads REST v1: every loaded instance with its slots, context and size', () => {
    const snapshot = parseV1Models({
      models: [
        { key: 'qwen', type: 'llm', size_bytes: 4_500_000_000, loaded_instances: [{ id: 'qwen', config: { context_length: 8192, parallel: 6 } }] },
        { key: 'nomic-embed', type: 'embedding', size_bytes: 84_000_000, loaded_instances: [] },
      ],
    });
    expect(snapshot).toEqual({
      source: 'v1',
      models: [
        { id: 'qwen', type: 'llm', loaded: true, parallel: 6, sizeBytes: 4_500_000_000 },
        { id: 'nomic-embed', type: 'embedding', loaded: false, parallel: null, sizeBytes: 84_000_000 },
      ],
      resident: [{ model: 'qwen', instanceId: 'qwen', parallel: 6, contextLength: 8192, sizeBytes: 4_500_000_000 }],
      knowsLoadState: true,
    });
    expect(residentSlots(snapshot!.resident, 4)).toBe(6);
  });

  it('keeps several resident models and instances; names an LLM where one is shown; tolerates missing config', () => {
    const snapshot = parseV1Models({
      models: [
        { key: 'embed', type: 'embedding', loaded_instances: [{ id: 'embed', config: {} }] },
        { key: 'llm', type: 'llm', loaded_instances: [{ id: 'llm', config: { parallel: 2 } }, { id: 'llm:2', config: { parallel: 3 } }] },
      ],
    });
    expect(snapshot?.resident.map((i) => i.instanceId)).toEqual(['embed', 'llm', 'llm:2']);
    expect(snapshot?.models.find((m) => m.id === 'llm')?.parallel).toBe(5);
    expect(displayModel(snapshot!.resident, snapshot!.models)).toBe('llm');
    // The embedding instance reports no slots: it counts the fallback.
    expect(residentSlots(snapshot!.resident, 4)).toBe(9);
    expect(residentSlots([], 4)).toBeNull();
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
      { id: 'a', type: 'llm', loaded: false, parallel: null, sizeBytes: null },
      { id: 'text-embedding-x', type: 'embedding', loaded: true, parallel: null, sizeBytes: null },
    ]);
    expect(snapshot?.resident.map((i) => i.model)).toEqual(['text-embedding-x']);
  });

  it('reads the OpenAI listing, which cannot say what is loaded', () => {
    const snapshot = parseOpenAiModels({ object: 'list', data: [{ id: 'a', object: 'model' }] });
    expect(snapshot).toMatchObject({ source: 'openai', resident: [], knowsLoadState: false, models: [{ id: 'a', type: null, loaded: false }] });
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
