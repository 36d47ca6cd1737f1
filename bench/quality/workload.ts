/**
 * A team's day, compressed and seeded: the same jobs at the same (simulated) times for every
 * policy. Two people chat, one runs a 300-prompt batch, one runs a few long background jobs,
 * across two models.
 */
import type { Lane } from '../../src/shared/job';
import { PRIORITY_NAMES } from '../../src/shared/priority';
import { createRandom } from '../../tools/lmstudio-sim/text-generator';

export const MODEL_A = 'team-model-a';
export const MODEL_B = 'team-model-b';

/** The OpenAI chat body (a type alias, so it passes as the engine's `Record<string, unknown>` input). */
export type ChatInput = {
  messages: { role: 'user'; content: string }[];
  max_tokens: number;
};

/** The OpenAI embeddings body: several inputs (document chunks) per request. */
export type EmbeddingInput = {
  input: string[];
};

export type WorkloadJob = {
  /** Stable across policies (`alice-007`); the bench sends it as the request id where it can. */
  id: string;
  owner: string;
  lane: Lane;
  /** The priority submitted to LM Queue (baselines order by lane alone). */
  priority: number;
  model: string;
  /** When it is handed over; for a job with `after`, the earliest moment (it also waits for that job). */
  arrivalSeconds: number;
  /** Sent only once this job has finished: a RAG query's chat waits for its embedding's answer. */
  after?: string;
} & ({ kind: 'chat'; input: ChatInput } | { kind: 'embedding'; input: EmbeddingInput });

/**
 * How fairness is measured: between owners with a standing backlog over the time all of them had
 * work waiting, or (with one backlogged owner) between the interactive owners' mean response times.
 */
export type FairnessMeasure = 'backlogged-service' | 'interactive-response';

export interface Workload {
  seed: number;
  models: string[];
  jobs: WorkloadJob[];
  /** The owners with a standing backlog. */
  busyOwners: string[];
  interactiveOwners: string[];
  fairness: FairnessMeasure;
}

export interface WorkloadOptions {
  seed: number;
  batchJobs: number;
  backgroundJobs: number;
  /** Mean gap between one person's chat messages (exponential gaps). */
  chatMeanGapSeconds: number;
  /** Chats arrive over [0, chatWindowSeconds). */
  chatWindowSeconds: number;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  seed: 42,
  batchJobs: 300,
  backgroundJobs: 6,
  chatMeanGapSeconds: 40,
  chatWindowSeconds: 600,
};

/** Output length range the simulator draws from; every job's max_tokens cuts inside it. */
export const SIM_OUTPUT_RANGE = { min: 100, max: 2400 } as const;

const WORDS = ['report', 'invoice', 'customer', 'summary', 'quarter', 'sensor', 'ticket', 'review', 'contract', 'release', 'budget', 'incident'];

export function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** About `tokens` tokens of text (the simulator counts four characters a token). */
export function promptText(random: () => number, label: string, tokens: number): string {
  let text = `${label}:`;
  while (text.length < tokens * 4) text += ` ${WORDS[Math.floor(random() * WORDS.length)]}`;
  return text.slice(0, tokens * 4);
}

export function chatJob(
  random: () => number,
  fields: Omit<WorkloadJob, 'input' | 'kind'>,
  promptTokens: [number, number],
  maxTokens: [number, number],
): WorkloadJob {
  const content = promptText(random, fields.id, between(random, ...promptTokens));
  return { ...fields, kind: 'chat', input: { messages: [{ role: 'user', content }], max_tokens: between(random, ...maxTokens) } };
}

export function chatArrivals(random: () => number, meanGap: number, window: number): number[] {
  const times: number[] = [];
  let t = random() * meanGap;
  while (t < window) {
    times.push(Math.round(t * 1000) / 1000);
    t += -Math.log(1 - random()) * meanGap;
  }
  return times;
}

export function generateWorkload(options: Partial<WorkloadOptions> = {}): Workload {
  const o = { ...DEFAULT_WORKLOAD, ...options };
  const random = createRandom(o.seed);
  const jobs: WorkloadJob[] = [];
  const pad = (i: number): string => String(i).padStart(3, '0');

  // Carol's batch lands at once, then Dave's background jobs a moment later.
  for (let i = 0; i < o.batchJobs; i++) {
    const fields = { id: `carol-${pad(i)}`, owner: 'carol', lane: 'batch' as const, priority: PRIORITY_NAMES.normal, model: MODEL_A, arrivalSeconds: 0 };
    jobs.push(chatJob(random, fields, [200, 600], [100, 250]));
  }
  for (let i = 0; i < o.backgroundJobs; i++) {
    const fields = { id: `dave-${pad(i)}`, owner: 'dave', lane: 'background' as const, priority: PRIORITY_NAMES.normal, model: MODEL_B, arrivalSeconds: 2 };
    jobs.push(chatJob(random, fields, [1000, 2000], [2000, 2000]));
  }
  // Alice chats with the batch's model at normal priority, Bob with the other model at high.
  const chatters = [
    { owner: 'alice', model: MODEL_A, priority: PRIORITY_NAMES.normal },
    { owner: 'bob', model: MODEL_B, priority: PRIORITY_NAMES.high },
  ];
  for (const chatter of chatters) {
    chatArrivals(random, o.chatMeanGapSeconds, o.chatWindowSeconds).forEach((at, i) => {
      const fields = { id: `${chatter.owner}-${pad(i)}`, owner: chatter.owner, lane: 'interactive' as const, priority: chatter.priority, model: chatter.model, arrivalSeconds: at };
      jobs.push(chatJob(random, fields, [30, 150], [100, 300]));
    });
  }
  return {
    seed: o.seed,
    models: [MODEL_A, MODEL_B],
    jobs: inArrivalOrder(jobs),
    busyOwners: ['carol', 'dave'],
    interactiveOwners: ['alice', 'bob'],
    fairness: 'backlogged-service',
  };
}

/** Stable order: by arrival, then as generated (a batch keeps its submission order). */
export function inArrivalOrder(jobs: WorkloadJob[]): WorkloadJob[] {
  const order = new Map(jobs.map((j, i) => [j.id, i]));
  return [...jobs].sort((a, b) => a.arrivalSeconds - b.arrivalSeconds || order.get(a.id)! - order.get(b.id)!);
}
