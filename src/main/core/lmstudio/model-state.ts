/**
 * What LM Studio has downloaded and loaded, read from whichever API this LM Studio speaks:
 * REST v1 (`/api/v1/models`, with parallel slots), REST v0 (`/api/v0/models`, with load state),
 * or only the OpenAI listing (`/v1/models`, ids and nothing else).
 */
import { z } from 'zod';
import type { ModelInfo } from '../../../shared/backend';

export type ModelSource = 'v1' | 'v0' | 'openai';

export const MODEL_SOURCE_PATHS: Readonly<Record<ModelSource, string>> = {
  v1: '/api/v1/models',
  v0: '/api/v0/models',
  openai: '/v1/models',
};

export interface LoadedInstance {
  model: string;
  instanceId: string;
}

export interface ModelSnapshot {
  source: ModelSource;
  models: ModelInfo[];
  /** null when nothing is loaded, or when the source cannot tell (`openai`). */
  loadedModel: string | null;
  /** Every loaded instance (v1 only), for unloading. */
  instances: LoadedInstance[];
  /** Whether this source reports what is loaded at all. */
  knowsLoadState: boolean;
}

const V1Schema = z.looseObject({
  models: z.array(
    z.looseObject({
      key: z.string(),
      type: z.string().nullish(),
      loaded_instances: z
        .array(
          z.looseObject({
            id: z.string(),
            config: z.looseObject({ parallel: z.number().nullish() }).nullish(),
          }),
        )
        .nullish(),
    }),
  ),
});

const V0Schema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), type: z.string().nullish(), state: z.string().nullish() })),
});

const OpenAiSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** One vocabulary for model types whichever API answered (v0 says "embeddings", v1 "embedding"). */
function normaliseType(type: string | null | undefined): string | null {
  if (!type) return null;
  return type === 'embeddings' ? 'embedding' : type;
}

function positiveInt(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** Several loaded models can happen (loaded by hand); prefer an LLM as "the" loaded one. */
function pickLoaded(models: ModelInfo[]): string | null {
  const loaded = models.filter((m) => m.loaded);
  return (loaded.find((m) => m.type !== 'embedding') ?? loaded[0])?.id ?? null;
}

export function parseV1Models(payload: unknown): ModelSnapshot | null {
  const parsed = V1Schema.safeParse(payload);
  if (!parsed.success) return null;
  const instances: LoadedInstance[] = [];
  const models = parsed.data.models.map((m): ModelInfo => {
    const loaded = m.loaded_instances ?? [];
    for (const instance of loaded) instances.push({ model: m.key, instanceId: instance.id });
    const parallel = loaded.map((i) => positiveInt(i.config?.parallel)).find((p) => p !== null) ?? null;
    return { id: m.key, type: normaliseType(m.type), loaded: loaded.length > 0, parallel };
  });
  return { source: 'v1', models, loadedModel: pickLoaded(models), instances, knowsLoadState: true };
}

export function parseV0Models(payload: unknown): ModelSnapshot | null {
  const parsed = V0Schema.safeParse(payload);
  if (!parsed.success) return null;
  const models = parsed.data.data.map((m): ModelInfo => ({ id: m.id, type: normaliseType(m.type), loaded: m.state === 'loaded', parallel: null }));
  return { source: 'v0', models, loadedModel: pickLoaded(models), instances: [], knowsLoadState: true };
}

export function parseOpenAiModels(payload: unknown): ModelSnapshot | null {
  const parsed = OpenAiSchema.safeParse(payload);
  if (!parsed.success) return null;
  const models = parsed.data.data.map((m): ModelInfo => ({ id: m.id, type: null, loaded: false, parallel: null }));
  return { source: 'openai', models, loadedModel: null, instances: [], knowsLoadState: false };
}

export const MODEL_PARSERS: Readonly<Record<ModelSource, (payload: unknown) => ModelSnapshot | null>> = {
  v1: parseV1Models,
  v0: parseV0Models,
  openai: parseOpenAiModels,
};

/** Sources to try, the one that worked last time first. */
export function sourceOrder(preferred: ModelSource | null): ModelSource[] {
  const all: ModelSource[] = ['v1', 'v0', 'openai'];
  return preferred ? [preferred, ...all.filter((s) => s !== preferred)] : all;
}

/** The parallel slots of the loaded model, when LM Studio reports them. */
export function loadedParallel(snapshot: Pick<ModelSnapshot, 'models' | 'loadedModel'>): number | null {
  return snapshot.models.find((m) => m.id === snapshot.loadedModel)?.parallel ?? null;
}
