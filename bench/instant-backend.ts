import type { BackendState } from '../src/shared/backend';
import type { Backend, BackendRequest, RunOutcome } from '../src/main/core/backend';

/** A backend that answers at once: measures the queue's own overhead, nothing else. */
export function instantBackend(models: string[], slots: number): Backend {
  let loaded: string | null = null;
  const state = (): BackendState => ({
    url: 'instant://',
    status: 'up',
    loadedModel: loaded,
    resident: loaded === null ? [] : [{ model: loaded, instanceId: loaded, parallel: slots, contextLength: null, sizeBytes: null }],
    canLoadAlongside: true,
    slots,
    models: models.map((id) => ({ id, type: 'llm', loaded: id === loaded, parallel: slots, sizeBytes: null })),
    lastError: null,
    since: new Date(0).toISOString(),
    retryAt: null,
  });
  return {
    async run(request: BackendRequest): Promise<RunOutcome> {
      return {
        body: { id: request.jobId, object: 'chat.completion', choices: [] },
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
        stats: { promptTokens: 1, completionTokens: 1, tokensPerSecond: null, timeToFirstTokenMs: null, durationMs: 0 },
      };
    },
    async loadModel(model: string) {
      loaded = model;
    },
    async unloadModel(model: string) {
      if (loaded === model) loaded = null;
    },
    state,
    subscribe: () => () => {},
    refresh: async () => state(),
    close: async () => {},
  };
}
