/**
 * What the mirror writes to Neo4j. One statement shape for every batch (`UNWIND $rows`), so
 * Neo4j plans it once, and every clause is a MERGE or a SET of the job's whole current record,
 * so sending a batch twice (a replay after a lost COMMIT answer) leaves the same graph.
 */
import neo4j from 'neo4j-driver';
import type { JobError } from '../../../shared/job';
import type { OutboxJob } from '../store/mirror-outbox';

export const CONSTRAINT_STATEMENTS = [
  'CREATE CONSTRAINT lmq_job_id IF NOT EXISTS FOR (n:Job) REQUIRE n.id IS UNIQUE',
  'CREATE CONSTRAINT lmq_owner_name IF NOT EXISTS FOR (n:Owner) REQUIRE n.name IS UNIQUE',
  'CREATE CONSTRAINT lmq_model_id IF NOT EXISTS FOR (n:Model) REQUIRE n.id IS UNIQUE',
  'CREATE CONSTRAINT lmq_schedule_name IF NOT EXISTS FOR (n:Schedule) REQUIRE n.name IS UNIQUE',
] as const;

/** `datetime(null)` is null, so unset timestamps stay unset. */
export const UPSERT_JOBS = `UNWIND $rows AS row
MERGE (job:Job {id: row.id})
SET job.kind = row.kind, job.model = row.model, job.state = row.state, job.priority = row.priority,
  job.lane = row.lane, job.stage = row.stage, job.progress = row.progress, job.attempts = row.attempts,
  job.createdAt = datetime(row.createdAt), job.startedAt = datetime(row.startedAt),
  job.finishedAt = datetime(row.finishedAt), job.error = row.error
MERGE (owner:Owner {name: row.owner})
MERGE (owner)-[:SUBMITTED]->(job)
MERGE (model:Model {id: row.model})
MERGE (job)-[:ON_MODEL]->(model)
FOREACH (name IN CASE WHEN row.schedule IS NULL THEN [] ELSE [row.schedule] END |
  MERGE (schedule:Schedule {name: name}) MERGE (schedule)-[:CREATED]->(job))
FOREACH (parentId IN CASE WHEN row.parentId IS NULL THEN [] ELSE [row.parentId] END |
  MERGE (parent:Job {id: parentId}) MERGE (job)-[:CHILD_OF]->(parent))`;

/** The parameters of one job in UPSERT_JOBS (integers as Neo4j integers, not floats). */
export interface GraphJobRow {
  id: string;
  kind: string;
  model: string;
  owner: string;
  state: string;
  priority: ReturnType<typeof neo4j.int>;
  lane: string;
  stage: string;
  progress: number | null;
  attempts: ReturnType<typeof neo4j.int>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  schedule: string | null;
  parentId: string | null;
}

/** A running job's progress as only memory knows it (tokens so far); null: use the state's. */
export type LiveProgress = (jobId: string) => { fraction: number | null; stage: string } | null;

const STAGE_BY_STATE: Record<OutboxJob['state'], { stage: string; progress: number | null }> = {
  queued: { stage: 'queued', progress: 0 },
  running: { stage: 'running', progress: null },
  succeeded: { stage: 'done', progress: 1 },
  failed: { stage: 'failed', progress: null },
  canceled: { stage: 'canceled', progress: null },
};

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function textField(metadata: Record<string, unknown> | null, key: string): string | null {
  const value = metadata?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `metadata.schedule` (set by schedules) links the job to its schedule; `parentId` a child job to its parent. */
export function toGraphRow(job: OutboxJob, liveProgress?: LiveProgress): GraphJobRow {
  const metadata = job.metadata === null ? null : (JSON.parse(job.metadata) as Record<string, unknown>);
  const live = job.state === 'running' ? (liveProgress?.(job.id) ?? null) : null;
  const fallback = STAGE_BY_STATE[job.state];
  return {
    id: job.id,
    kind: job.kind,
    model: job.model,
    owner: job.owner,
    state: job.state,
    priority: neo4j.int(job.priority),
    lane: job.lane,
    stage: live?.stage ?? fallback.stage,
    progress: live ? live.fraction : fallback.progress,
    attempts: neo4j.int(job.attempts),
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.error === null ? null : (JSON.parse(job.error) as JobError).message,
    schedule: textField(metadata, 'schedule'),
    parentId: job.parentId,
  };
}
