/** Model listing (OpenAI, REST v0, REST v1) and the v1 load/unload endpoints. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientGoneSignal, errorBody, sendJson } from './http-io';
import { SimAbortError } from './abortable';
import { InsufficientMemoryError, type InstanceView } from './model-host';
import type { SimModel } from './options';
import type { RequestRecord } from './sim-record';
import { findModel, unknownModelMessage, type SimContext } from './sim-context';

export function listOpenAiModels(ctx: SimContext, res: ServerResponse): void {
  sendJson(res, 200, {
    object: 'list',
    data: ctx.models.map((m) => ({ id: m.id, object: 'model', owned_by: 'organization_owner' })),
  });
}

export function getOpenAiModel(ctx: SimContext, res: ServerResponse, id: string): void {
  const model = findModel(ctx, id);
  if (!model) return sendJson(res, 404, errorBody(unknownModelMessage(ctx, id), { param: 'model', code: 'model_not_found' }));
  sendJson(res, 200, { id: model.id, object: 'model', owned_by: 'organization_owner' });
}

function v0Model(ctx: SimContext, m: SimModel): Record<string, unknown> {
  return {
    id: m.id,
    object: 'model',
    type: m.type === 'embedding' ? 'embeddings' : 'llm',
    publisher: 'lmstudio-sim',
    arch: m.type === 'embedding' ? 'nomic-bert' : 'llama',
    compatibility_type: 'gguf',
    quantization: 'Q4_K_M',
    state: ctx.host.isLoaded(m.id) ? 'loaded' : 'not-loaded',
    max_context_length: ctx.options.contextLength,
  };
}

export function listV0Models(ctx: SimContext, res: ServerResponse): void {
  sendJson(res, 200, { object: 'list', data: ctx.models.map((m) => v0Model(ctx, m)) });
}

export function getV0Model(ctx: SimContext, res: ServerResponse, id: string): void {
  const model = findModel(ctx, id);
  if (!model) return sendJson(res, 404, errorBody(unknownModelMessage(ctx, id), { param: 'model', code: 'model_not_found' }));
  sendJson(res, 200, v0Model(ctx, model));
}

export function listV1Models(ctx: SimContext, res: ServerResponse): void {
  const instances = ctx.host.instances();
  sendJson(res, 200, { models: ctx.models.map((m) => v1Model(ctx, m, instances)) });
}

function v1Model(ctx: SimContext, m: SimModel, instances: InstanceView[]): Record<string, unknown> {
  const isLlm = m.type === 'llm';
  const config = (instance: InstanceView): Record<string, unknown> =>
    isLlm
      ? { context_length: ctx.options.contextLength, eval_batch_size: 512, flash_attention: false, offload_kv_cache_to_gpu: true, parallel: instance.parallel }
      : { context_length: ctx.options.contextLength, parallel: instance.parallel };
  return {
    type: m.type,
    publisher: 'lmstudio-sim',
    key: m.id,
    display_name: m.id,
    ...(isLlm ? { architecture: 'llama' } : {}),
    quantization: { name: 'Q4_K_M', bits_per_weight: 4 },
    size_bytes: m.sizeBytes,
    params_string: isLlm ? '7B' : null,
    loaded_instances: instances.filter((i) => i.model === m.id).map((i) => ({ id: i.instanceId, config: config(i) })),
    max_context_length: ctx.options.contextLength,
    format: 'gguf',
  };
}

export async function loadModel(ctx: SimContext, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const id = typeof body.model === 'string' ? body.model : '';
  const record = managementRecord(ctx, req, '/api/v1/models/load', id);
  const fail = (status: number, message: string, payload = errorBody(message)): void => {
    record.status = status;
    record.error = message;
    record.finishedAt = Date.now();
    sendJson(res, status, payload);
  };
  if (id === '') return fail(400, `'model' is required`);
  const model = findModel(ctx, id);
  if (!model) return fail(404, unknownModelMessage(ctx, id), errorBody(unknownModelMessage(ctx, id), { param: 'model', code: 'model_not_found' }));

  const gone = clientGoneSignal(res);
  const started = Date.now();
  record.startedAt = started;
  let instance: InstanceView;
  try {
    // The load itself goes on if the caller leaves, as it does in LM Studio.
    instance = await ctx.host.loadThroughRest(id, gone);
  } catch (error) {
    if (error instanceof InsufficientMemoryError) return fail(400, error.message, errorBody(error.message, { code: 'insufficient_memory' }));
    if (!(error instanceof SimAbortError)) throw error;
    record.aborted = true;
    record.finishedAt = Date.now();
    return;
  }
  record.finishedAt = Date.now();
  sendJson(res, 200, { type: model.type, instance_id: instance.instanceId, load_time_seconds: (record.finishedAt - started) / 1000, status: 'loaded' });
}

export function unloadModel(ctx: SimContext, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
  const id = typeof body.instance_id === 'string' ? body.instance_id : '';
  const record = managementRecord(ctx, req, '/api/v1/models/unload', id);
  record.startedAt = record.arrivedAt;
  record.finishedAt = Date.now();
  if (!ctx.host.unload(id)) {
    const message = id === '' ? `'instance_id' is required` : `No loaded model instance with id "${id}".`;
    record.status = id === '' ? 400 : 404;
    record.error = message;
    sendJson(res, record.status, errorBody(message));
    return;
  }
  sendJson(res, 200, { instance_id: id });
}

function managementRecord(ctx: SimContext, req: IncomingMessage, endpoint: RequestRecord['endpoint'], model: string): RequestRecord {
  const requestId = req.headers['x-request-id'];
  return ctx.recorder.addRequest({
    id: ctx.nextId('mgmt'),
    clientRequestId: typeof requestId === 'string' ? requestId : null,
    model,
    endpoint,
    stream: false,
    promptTokens: 0,
  });
}
