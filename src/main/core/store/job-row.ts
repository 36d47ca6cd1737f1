import type { JobError, JobState, Usage } from '../../../shared/job';
import type { JobRecord } from './job-record';

/** A `jobs` row as SQLite returns it, and its mapping to a JobRecord. */
export interface JobRow {
  seq: number;
  id: string;
  kind: string;
  model: string;
  owner: string;
  priority: number;
  lane: string;
  state: string;
  attempts: number;
  max_attempts: number;
  created_at: number;
  run_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  prompt_tokens: number;
  max_tokens: number | null;
  metadata: string | null;
  error: string | null;
  usage: string | null;
  parent_id: string | null;
  child_index: number | null;
}

export const RECORD_COLUMNS = `seq, id, kind, model, owner, priority, lane, state, attempts, max_attempts, created_at,
  run_at, started_at, finished_at, prompt_tokens, max_tokens, metadata, error, usage, parent_id, child_index`;

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function rowToRecord(row: JobRow): JobRecord {
  return {
    seq: row.seq,
    id: row.id,
    kind: row.kind as JobRecord['kind'],
    model: row.model,
    owner: row.owner,
    priority: row.priority,
    lane: row.lane as JobRecord['lane'],
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    runAt: row.run_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    promptTokens: row.prompt_tokens,
    maxTokens: row.max_tokens,
    metadata: parseJson(row.metadata),
    error: parseJson<JobError>(row.error),
    usage: parseJson<Usage>(row.usage),
    parentId: row.parent_id,
    childIndex: row.child_index,
  };
}
