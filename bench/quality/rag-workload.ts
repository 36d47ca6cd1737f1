/**
 * A RAG team's day, seeded: four people ask questions (each an embedding of the question, then a
 * chat with the retrieved passages, sent once the embedding has answered) while a fifth embeds a
 * document collection in the batch lane.
 */
import { PRIORITY_NAMES } from '../../src/shared/priority';
import { createRandom } from '../../tools/lmstudio-sim/text-generator';
import { between, chatArrivals, chatJob, inArrivalOrder, MODEL_A, promptText, type Workload, type WorkloadJob } from './workload';

export const RAG_LLM = MODEL_A;
export const RAG_EMBEDDING = 'text-embedding-team';

export interface RagWorkloadOptions {
  seed: number;
  /** Document chunks to embed, sent `chunksPerRequest` to a request. */
  chunks: number;
  chunksPerRequest: number;
  /** Mean gap between one person's questions (exponential gaps), over [0, queryWindowSeconds). */
  queryMeanGapSeconds: number;
  queryWindowSeconds: number;
}

/** 2,000 chunks as 250 requests of 8: the same tokens as 2,000 requests, an eighth of the HTTP round trips. */
export const DEFAULT_RAG_WORKLOAD: RagWorkloadOptions = {
  seed: 42,
  chunks: 2_000,
  chunksPerRequest: 8,
  queryMeanGapSeconds: 40,
  queryWindowSeconds: 600,
};

export const RAG_QUERIERS = ['erin', 'frank', 'grace', 'heidi'] as const;
export const RAG_INDEXER = 'ivan';

export function generateRagWorkload(options: Partial<RagWorkloadOptions> = {}): Workload {
  const o = { ...DEFAULT_RAG_WORKLOAD, ...options };
  const random = createRandom(o.seed ^ 0x4a6);
  const jobs: WorkloadJob[] = [];
  const pad = (i: number): string => String(i).padStart(3, '0');

  const requests = Math.ceil(o.chunks / o.chunksPerRequest);
  for (let i = 0; i < requests; i++) {
    const size = Math.min(o.chunksPerRequest, o.chunks - i * o.chunksPerRequest);
    const input = Array.from({ length: size }, (_, c) => promptText(random, `chunk ${i * o.chunksPerRequest + c}`, between(random, 100, 200)));
    jobs.push({ id: `${RAG_INDEXER}-${pad(i)}`, owner: RAG_INDEXER, lane: 'batch', priority: PRIORITY_NAMES.normal, model: RAG_EMBEDDING, arrivalSeconds: 0, kind: 'embedding', input: { input } });
  }
  for (const owner of RAG_QUERIERS) {
    chatArrivals(random, o.queryMeanGapSeconds, o.queryWindowSeconds).forEach((at, i) => {
      const query = `${owner}-q${pad(i)}`;
      const fields = { owner, lane: 'interactive' as const, priority: PRIORITY_NAMES.normal, arrivalSeconds: at };
      jobs.push({ ...fields, id: `${query}-embed`, model: RAG_EMBEDDING, kind: 'embedding', input: { input: [promptText(random, query, between(random, 15, 40))] } });
      // The question plus the passages retrieved for it.
      jobs.push(chatJob(random, { ...fields, id: `${query}-chat`, model: RAG_LLM, after: `${query}-embed` }, [300, 700], [100, 300]));
    });
  }
  return {
    seed: o.seed,
    models: [RAG_LLM, RAG_EMBEDDING],
    jobs: inArrivalOrder(jobs),
    busyOwners: [RAG_INDEXER],
    interactiveOwners: [...RAG_QUERIERS],
    fairness: 'interactive-response',
  };
}
