import type { JobError, JobKind, JobState, Lane, RequestKind, Usage } from '../../../shared/job';

/**
 * A job as the store holds it (timestamps in epoch ms), without its input: nothing that reads a
 * job's state needs the prompt, and parsing it on every read cost as much as the prompt is long
 * (`JobStore.inputOf` reads it when it is needed).
 */
export interface JobRecord {
  seq: number;
  id: string;
  kind: JobKind;
  model: string;
  owner: string;
  priority: number;
  lane: Lane;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  createdAt: number;
  runAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  promptTokens: number;
  maxTokens: number | null;
  metadata: Record<string, unknown> | null;
  error: JobError | null;
  usage: Usage | null;
  /** A child job's parent (its id) and its 0-based place among the parent's children. */
  parentId: string | null;
  childIndex: number | null;
}

/** What the scheduler keeps in memory per queued job: small, no payload. */
export interface QueuedEntry {
  /** The job's row; its public id is read from the store when needed (saves memory per job). */
  seq: number;
  /** Only request jobs are queued: a parent's children are, the parent never is. */
  kind: RequestKind;
  model: string;
  owner: string;
  lane: Lane;
  priority: number;
  createdAt: number;
  /** Not before this time (delayed jobs, retry backoff); 0 when due now. */
  runAt: number;
  promptTokens: number;
  maxTokens: number | null;
  /** A child job's parent id (absent or null for any other job). */
  parentId?: string | null;
}

export interface NewJob {
  kind: JobKind;
  model: string;
  owner: string;
  priority: number;
  lane: Lane;
  maxAttempts: number;
  createdAt: number;
  runAt: number | null;
  promptTokens: number;
  maxTokens: number | null;
  input: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
}

export function toQueuedEntry(record: JobRecord): QueuedEntry {
  return {
    seq: record.seq,
    kind: record.kind as RequestKind,
    model: record.model,
    owner: record.owner,
    lane: record.lane,
    priority: record.priority,
    createdAt: record.createdAt,
    runAt: record.runAt ?? 0,
    promptTokens: record.promptTokens,
    maxTokens: record.maxTokens,
    parentId: record.parentId,
  };
}
