/**
 * The three workloads of the quality bench and the LM Studio each one runs on: which models,
 * how big, what is loaded at start and how much memory there is.
 */
import type { SimModelInput } from '../../tools/lmstudio-sim/options';
import { generateRagWorkload, RAG_EMBEDDING, RAG_LLM } from './rag-workload';
import { generateWorkload, MODEL_A, MODEL_B, type Workload } from './workload';

export const WORKLOAD_NAMES = ['rag-team', 'two-models-fit', 'room-for-one'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export const LLM_BYTES = 4_000_000_000;
export const EMBEDDING_BYTES = 100_000_000;
/** Slots of each loaded instance. */
export const SLOTS_PER_INSTANCE = 4;
/** Memory beyond what the resident models take: not enough for another LLM. */
const HEADROOM_BYTES = 500_000_000;

export interface WorkloadSpec {
  name: WorkloadName;
  title: string;
  /** One sentence on what happens in it, for the report. */
  summary: string;
  workload: Workload;
  /** The simulator's models (with sizes), what it has loaded at start, and its memory. */
  simModels: SimModelInput[];
  initialLoaded: string[];
  memoryBytes: number;
  /** What LM Queue is told never to unload (engine `pinnedModels`). */
  pinnedModels: string[];
  /** Slots of every model that fits at once: the bound on requests in flight, and utilization's denominator. */
  slotCapacity: number;
}

function llm(id: string): SimModelInput {
  return { id, type: 'llm', sizeBytes: LLM_BYTES, parallel: SLOTS_PER_INSTANCE };
}

export function workloadSpec(name: WorkloadName, seed?: number): WorkloadSpec {
  const options = seed === undefined ? {} : { seed };
  switch (name) {
    case 'rag-team':
      return {
        name,
        title: 'RAG team: an LLM and an embedding model, both resident',
        summary:
          'Four people ask questions over 600 s (each an embedding of the question, then a chat with the retrieved passages once the embedding has answered) while ivan embeds 2,000 document chunks in the batch lane, as 250 requests of 8 chunks (the same tokens as 2,000 requests, fewer round trips, a shorter run). ' +
          'Interactive waits count each request of a question (its embedding, its chat) on its own; question to answer times the pair.',
        workload: generateRagWorkload(options),
        simModels: [llm(RAG_LLM), { id: RAG_EMBEDDING, type: 'embedding', sizeBytes: EMBEDDING_BYTES, parallel: SLOTS_PER_INSTANCE }],
        initialLoaded: [RAG_LLM, RAG_EMBEDDING],
        memoryBytes: LLM_BYTES + EMBEDDING_BYTES + HEADROOM_BYTES,
        pinnedModels: [RAG_EMBEDDING],
        slotCapacity: 2 * SLOTS_PER_INSTANCE,
      };
    case 'two-models-fit':
      return {
        name,
        title: 'Team day, both LLMs resident',
        summary: 'The team day (a 300-prompt batch and chats on one model, long background jobs and high-priority chats on the other) with memory for both LLMs, both loaded at start.',
        workload: generateWorkload(options),
        simModels: [llm(MODEL_A), llm(MODEL_B)],
        initialLoaded: [MODEL_A, MODEL_B],
        memoryBytes: 2 * LLM_BYTES + HEADROOM_BYTES,
        pinnedModels: [],
        slotCapacity: 2 * SLOTS_PER_INSTANCE,
      };
    case 'room-for-one':
      return {
        name,
        title: 'Team day, room for one LLM',
        summary: 'The same team day with memory for one LLM: every change of model unloads the other.',
        workload: generateWorkload(options),
        simModels: [llm(MODEL_A), llm(MODEL_B)],
        initialLoaded: [MODEL_A],
        memoryBytes: LLM_BYTES + HEADROOM_BYTES,
        pinnedModels: [],
        slotCapacity: SLOTS_PER_INSTANCE,
      };
  }
}
