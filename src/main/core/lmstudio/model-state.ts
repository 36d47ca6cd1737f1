/**
 * What LM Studio has downloaded and loaded, read from whichever API this LM Studio speaks:
 * REST v1 (`/api/v1/models`, every loaded instance with its slots and size), REST v0 (`/api/v0/models`, with load state),
 * or only the OpenAI listing (`/v1/models`, ids and nothing else).
 */
import { z } from 'zod';
import type { ModelInfo, ResidentInstance } from '../../../shared/backend';

export type ModelSource = 'v1' | 'v0' | 'openai';

export const MODEL_SOURCE_PATHS: Readonly<Record<ModelSource, string>> = {
  v1: '/api/v1/models',
  v0: '/api/v0/models',
  openai: '/v1/models',
};

export interface ModelSnapshot {
  source: ModelSource;
  models: ModelInfo[];
  /** Every loaded instance (v1: with slots and size; v0: one per loaded model; openai: none). */
  resident: ResidentInstance[];
  /** Whether this source reports what is loaded at all. */
  knowsLoadState: boolean;
}

const V1Schema = z.looseObject({
  models: z.array(
    z.looseObject({
      key: z.string(),
      type: z.string().nullish(),
      size_bytes: z.number().nullish(),
      loaded_instances: z
        .array(
          z.looseObject({
            id: z.string(),
            config: z.looseObject({ parallel: z.number().nullish(), context_length: z.number().nullish() }).nullish(),
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

function sizeOf(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

export function parseV1Models(payload: unknown): ModelSnapshot | null {
  const parsed = V1Schema.safeParse(payload);
  if (!parsed.success) return null;
  const resident: ResidentInstance[] = [];
  const models = parsed.data.models.map((m): ModelInfo => {
    const sizeBytes = sizeOf(m.size_bytes);
    const mine = (m.loaded_instances ?? []).map(
      (instance): ResidentInstance => ({
        model: m.key,
        instanceId: instance.id,
        parallel: positiveInt(instance.config?.parallel),
        contextLength: positiveInt(instance.config?.context_length),
        sizeBytes,
      }),
    );
    resident.push(...mine);
    const known = mine.map((i) => i.parallel).filter((p): p is number => p !== null);
    const parallel = known.length > 0 ? known.reduce((a, b) => a + b, 0) : null;
    return { id: m.key, type: normaliseType(m.type), loaded: mine.length > 0, parallel, sizeBytes };
  });
  return { source: 'v1', models, resident, knowsLoadState: true };
}

export function parseV0Models(payload: unknown): ModelSnapshot | null {
  const parsed = V0Schema.safeParse(payload);
  if (!parsed.success) return null;
  const models = parsed.data.data.map(
    (m): ModelInfo => ({ id: m.id, type: normaliseType(m.type), loaded: m.state === 'loaded', parallel: null, sizeBytes: null }),
  );
  const resident = models
    .filter((m) => m.loaded)
    .map((m): ResidentInstance => ({ model: m.id, instanceId: m.id, parallel: null, contextLength: null, sizeBytes: null }));
  return { source: 'v0', models, resident, knowsLoadState: true };
}

export function parseOpenAiModels(payload: unknown): ModelSnapshot | null {
  const parsed = OpenAiSchema.safeParse(payload);
  if (!parsed.success) return null;
  const models = parsed.data.data.map((m): ModelInfo => ({ id: m.id, type: null, loaded: false, parallel: null, sizeBytes: null }));
  return { source: 'openai', models, resident: [], knowsLoadState: false };
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

/** The model to name where one is shown: the first resident LLM, else the first resident model. */
export function displayModel(resident: readonly ResidentInstance[], models: readonly ModelInfo[]): string | null {
  const typeOf = (id: string): string | null => models.find((m) => m.id === id)?.type ?? null;
  return (resident.find((i) => typeOf(i.model) !== 'embedding') ?? resident[0])?.model ?? null;
}

/** Slots of the resident instances together, an instance that reports none counting `fallback`; null when nothing is resident. */
export function residentSlots(resident: readonly ResidentInstance[], fallback: number): number | null {
  return resident.length === 0 ? null : resident.reduce((sum, i) => sum + (i.parallel ?? fallback), 0);
}
