import type Database from 'better-sqlite3';
import type { JobState } from '../../../shared/job';
import type { JobRecord } from './job-record';
import { RECORD_COLUMNS, rowToRecord, type JobRow } from './job-row';
import { NOT_SUCCEEDED } from './job-statements';

export interface HistoryQuery {
  state?: JobState | undefined;
  owner?: string | undefined;
  model?: string | undefined;
  search?: string | undefined;
  schedule?: string | undefined;
  /** A parent's children, in child order (the cursor is then the last child index seen). */
  parent?: string | undefined;
  limit: number;
  /** Opaque: the seq of the last row of the previous page. */
  cursor?: string | undefined;
}

export interface HistoryPage {
  records: JobRecord[];
  nextCursor: string | null;
}

/** Newest first; `search` matches id, owner or model. */
export function readHistory(db: Database.Database, query: HistoryQuery): HistoryPage {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.state) {
    where.push(query.state === 'succeeded' ? 'state = ?' : `state = ? AND ${NOT_SUCCEEDED}`);
    params.push(query.state);
  }
  if (query.owner) {
    where.push('owner = ?');
    params.push(query.owner);
  }
  if (query.model) {
    where.push('model = ?');
    params.push(query.model);
  }
  if (query.schedule) {
    // Both conditions, as in the partial index jobs_by_schedule (SQLite uses it only then).
    where.push(`json_extract(metadata, '$.schedule') = ? AND json_extract(metadata, '$.schedule') IS NOT NULL`);
    params.push(query.schedule);
  }
  if (query.search) {
    where.push(`(id LIKE ? ESCAPE '\\' OR owner LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\')`);
    const pattern = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(pattern, pattern, pattern);
  }
  const cursor = query.cursor === undefined ? undefined : Number(query.cursor);
  if (cursor !== undefined && !Number.isSafeInteger(cursor)) throw new RangeError('cursor is not valid');
  if (query.parent !== undefined) {
    // Children in their order; the index jobs_by_parent serves it.
    where.push('parent_id = ?', 'child_index > ?');
    params.push(query.parent, cursor ?? -1);
  } else {
    // A search finds a child by its id; otherwise children stay behind their parent.
    if (!query.search) where.push('parent_id IS NULL');
    if (cursor !== undefined) {
      where.push('seq < ?');
      params.push(cursor);
    }
  }
  const order = query.parent !== undefined ? 'child_index ASC' : 'seq DESC';
  const sql = `SELECT ${RECORD_COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
  const rows = db.prepare(sql).all(...params, query.limit + 1) as JobRow[];
  const more = rows.length > query.limit;
  const records = rows.slice(0, query.limit).map(rowToRecord);
  const last = records.at(-1);
  const next = last && (query.parent !== undefined ? last.childIndex : last.seq);
  return { records, nextCursor: more && next !== undefined && next !== null ? String(next) : null };
}
