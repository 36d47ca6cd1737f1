/**
 * The SDK's model calls answered from what LM Queue knows of LM Studio, never by loading:
 * `client.llm.model(key)` gets a handle to any model LM Studio has (the queue loads it when a
 * job for it runs); `load` and `unload` are refused, since LM Queue owns the resident set.
 */
import type { Engine } from '../../core/engine-api';
import type { ModelInfo } from '../../../shared/backend';
import { LmqError } from '../../../shared/errors';
import { sdkModelInfo, specifiedModel, type Domain, type ModelSpecifier } from './sdk-protocol';

export const LOADING_REFUSED =
  'LM Queue owns model loading: it loads a model when a job for it runs and unloads idle ones to make room. ' +
  'Use client.llm.model("<key>") (or client.embedding.model) to get a handle; load() and unload() are not available through LM Queue.';

function inDomain(model: ModelInfo, domain: Domain): boolean {
  // Unknown type (an LM Studio that lists ids only): take the caller's word for it.
  if (model.type === null) return true;
  return (model.type === 'embedding') === (domain === 'embedding');
}

export class SdkModels {
  constructor(
    private readonly engine: Engine,
    private readonly domain: Domain,
  ) {}

  private all(): ModelInfo[] {
    return this.engine.backend().models;
  }

  private info(model: ModelInfo): Record<string, unknown> {
    return sdkModelInfo(model, this.engine.backend().resident, this.domain);
  }

  /** The model `key` names, in this namespace's domain; a clear error listing what there is otherwise. */
  resolve(key: string | null): ModelInfo {
    const mine = this.all().filter((m) => inDomain(m, this.domain));
    if (key === null) {
      const resident = new Set(this.engine.backend().resident.map((r) => r.model));
      const any = mine.find((m) => resident.has(m.id)) ?? mine[0];
      if (!any) throw new LmqError('unknown_model', `LM Studio has no ${this.domain} model`);
      return any;
    }
    const model = this.all().find((m) => m.id === key) ?? this.all().find((m) => m.id.toLowerCase() === key.toLowerCase());
    if (!model) throw new LmqError('unknown_model', `model "${key}" is not available; available ${this.domain} models: ${mine.map((m) => m.id).join(', ') || 'none'}`);
    if (!inDomain(model, this.domain)) {
      throw new LmqError('bad_request', `model "${key}" is ${model.type === 'embedding' ? 'an embedding model' : 'not an embedding model'}; use client.${model.type === 'embedding' ? 'embedding' : 'llm'}.model("${key}")`);
    }
    return model;
  }

  /** A specifier's model, as a job names it. */
  modelFor(specifier: ModelSpecifier): string {
    return this.resolve(specifiedModel(specifier)).id;
  }

  /** Instance info for `model(key)`: the handle the SDK predicts with. */
  handle(key: string): Record<string, unknown> {
    return this.info(this.resolve(key));
  }

  infoFor(modelId: string): Record<string, unknown> {
    const model = this.all().find((m) => m.id === modelId) ?? { id: modelId, type: null, loaded: false, parallel: null, sizeBytes: null };
    return this.info(model);
  }

  /** `getModelInfo`: undefined for none unless the caller wants an error. */
  lookup(specifier: ModelSpecifier, throwIfNotFound: boolean): Record<string, unknown> | undefined {
    try {
      return this.info(this.resolve(specifiedModel(specifier)));
    } catch (error) {
      if (throwIfNotFound) throw error;
      return undefined;
    }
  }

  /** `listLoaded`: the models of this domain LM Studio has in memory now. */
  loaded(): Array<Record<string, unknown>> {
    const resident = new Set(this.engine.backend().resident.map((r) => r.model));
    return this.all()
      .filter((m) => inDomain(m, this.domain) && resident.has(m.id))
      .map((m) => this.info(m));
  }

  /** `system.listDownloadedModels`: every model LM Studio offers, each in its own domain. */
  static downloaded(engine: Engine): Array<Record<string, unknown>> {
    const { models, resident } = engine.backend();
    return models.map((m) => sdkModelInfo(m, resident, m.type === 'embedding' ? 'embedding' : 'llm'));
  }
}
