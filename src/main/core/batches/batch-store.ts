/** The batches table: one row per OpenAI batch, pointing at its parent job. */
import type Database from 'better-sqlite3';
import type { BatchError, BatchRequestCounts, BatchStatus } from '../../../shared/batch';
import type { BatchEndpoint } from './batch-input';

export interface BatchRecord {
  id: string;
  owner: string;
  status: BatchStatus;
  endpoint: BatchEndpoint;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  priority: number;
  /** The parent job; null until the file passed validation. */
  parentJobId: string | null;
  /** Requests in the file (known once validated). */
  total: number;
  /** Every request is a child job (the parent is sealed). */
  sealed: boolean;
  errors: BatchError[] | null;
  /** Frozen when the batch ends; live counts come from the parent job before. */
  requestCounts: BatchRequestCounts | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
  inProgressAt: number | null;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  expiredAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
}

interface BatchRow {
  seq: number;
  id: string;
  owner: string;
  status: BatchStatus;
  endpoint: BatchEndpoint;
  input_file_id: string;
  completion_window: string;
  metadata: string | null;
  priority: number;
  parent_job_id: string | null;
  total: number;
  sealed: number;
  errors: string | null;
  request_counts: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  expires_at: number;
  in_progress_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
}

const COLUMNS: Record<keyof Omit<BatchRecord, 'id'>, keyof BatchRow> = {
  owner: 'owner',
  status: 'status',
  endpoint: 'endpoint',
  inputFileId: 'input_file_id',
  completionWindow: 'completion_window',
  metadata: 'metadata',
  priority: 'priority',
  parentJobId: 'parent_job_id',
  total: 'total',
  sealed: 'sealed',
  errors: 'errors',
  requestCounts: 'request_counts',
  outputFileId: 'output_file_id',
  errorFileId: 'error_file_id',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
  inProgressAt: 'in_progress_at',
  finalizingAt: 'finalizing_at',
  completedAt: 'completed_at',
  failedAt: 'failed_at',
  expiredAt: 'expired_at',
  cancellingAt: 'cancelling_at',
  cancelledAt: 'cancelled_at',
};
const JSON_FIELDS: ReadonlySet<keyof BatchRecord> = new Set(['metadata', 'errors', 'requestCounts']);

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toRecord(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    owner: row.owner,
    status: row.status,
    endpoint: row.endpoint,
    inputFileId: row.input_file_id,
    completionWindow: row.completion_window,
    metadata: json(row.metadata),
    priority: row.priority,
    parentJobId: row.parent_job_id,
    total: row.total,
    sealed: row.sealed === 1,
    errors: json(row.errors),
    requestCounts: json(row.request_counts),
    outputFileId: row.output_file_id,
    errorFileId: row.error_file_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    inProgressAt: row.in_progress_at,
    finalizingAt: row.finalizing_at,
    completedAt: row.completed_at,
    failedAt: row.failed_at,
    expiredAt: row.expired_at,
    cancellingAt: row.cancelling_at,
    cancelledAt: row.cancelled_at,
  };
}

function columnValue(field: keyof BatchRecord, value: unknown): unknown {
  if (JSON_FIELDS.has(field)) return value === null ? null : JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

export type NewBatch = Pick<BatchRecord, 'id' | 'owner' | 'endpoint' | 'inputFileId' | 'completionWindow' | 'metadata' | 'priority' | 'createdAt' | 'expiresAt'>;
export type BatchChange = Partial<Omit<BatchRecord, 'id' | 'owner' | 'createdAt'>>;

export class BatchStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO batches (id, owner, status, endpoint, input_file_id, completion_window, metadata, priority, created_at, expires_at)
         VALUES (@id, @owner, 'validating', @endpoint, @inputFileId, @completionWindow, @metadata, @priority, @createdAt, @expiresAt)`,
      ),
      get: db.prepare<[string], BatchRow>('SELECT * FROM batches WHERE id = ?'),
      seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM batches WHERE id = ?'),
      unfinished: db.prepare<[], BatchRow>(
        "SELECT * FROM batches WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') ORDER BY seq",
      ),
      usingFile: db.prepare<[string], { id: string }>(
        "SELECT id FROM batches WHERE input_file_id = ? AND status IN ('validating', 'in_progress', 'finalizing', 'cancelling') LIMIT 1",
      ),
      byParent: db.prepare<[string], BatchRow>('SELECT * FROM batches WHERE parent_job_id = ?'),
    };
  }

  insert(batch: NewBatch): BatchRecord {
    this.statements.insert.run({ ...batch, metadata: batch.metadata === null ? null : JSON.stringify(batch.metadata) });
    return this.get(batch.id)!;
  }

  get(id: string): BatchRecord | null {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : null;
  }

  byParentJob(jobId: string): BatchRecord | null {
    const row = this.statements.byParent.get(jobId);
    return row ? toRecord(row) : null;
  }

  update(id: string, change: BatchChange): BatchRecord {
    const fields = Object.keys(change) as Array<keyof BatchChange>;
    if (fields.length > 0) {
      const sets = fields.map((field) => `${COLUMNS[field]} = ?`).join(', ');
      const values = fields.map((field) => columnValue(field, change[field]));
      this.db.prepare(`UPDATE batches SET ${sets} WHERE id = ?`).run(...values, id);
    }
    return this.get(id)!;
  }

  unfinished(): BatchRecord[] {
    return this.statements.unfinished.all().map(toRecord);
  }

  /** An unfinished batch reading this file, if any. */
  batchUsingFile(fileId: string): string | null {
    return this.statements.usingFile.get(fileId)?.id ?? null;
  }

  /** Newest first; `after` is the last id of the previous page. */
  list(query: { owner?: string; after?: string; limit: number }): { batches: BatchRecord[]; hasMore: boolean } | null {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.owner !== undefined) {
      where.push('owner = ?');
      params.push(query.owner);
    }
    if (query.after !== undefined) {
      const after = this.statements.seqOf.get(query.after);
      if (!after) return null;
      where.push('seq < ?');
      params.push(after.seq);
    }
    const sql = `SELECT * FROM batches${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], BatchRow>(sql).all(...params, query.limit + 1);
    return { batches: rows.slice(0, query.limit).map(toRecord), hasMore: rows.length > query.limit };
  }
}
