import type Database from 'better-sqlite3';
import { PARENT_KINDS } from '../../../shared/job';
import { RECORD_COLUMNS } from './job-row';

/** The state index leaves out succeeded jobs; queries that use it must say so (see schema). */
export const NOT_SUCCEEDED = `state <> 'succeeded'`;
/** A job's stored result text, as a column of a query on `jobs`. */
const RESULT_COLUMN = `(SELECT result FROM job_results WHERE job_results.seq = jobs.seq) AS result`;
/** Parent jobs never enter the queue or run: their children do. */
export const NOT_PARENT = `kind NOT IN (${PARENT_KINDS.map((k) => `'${k}'`).join(', ')})`;
/**
 * Finished jobs past the retention cutoff (the purge statements' one parameter). A child goes
 * with its parent, never before: a finished batch still lists every child.
 */
const EXPIRED = `finished_at IS NOT NULL AND finished_at < ? AND parent_id IS NULL`;
/** The children of one parent (by id), for the purge statements. */
const CHILDREN_OF = `SELECT seq FROM jobs WHERE parent_id = ?`;

/** Every statement JobStore runs more than once. */
const JOB_SQL = {
  insert: `INSERT INTO jobs (id, kind, model, owner, priority, lane, state, attempts, max_attempts,
      created_at, run_at, prompt_tokens, max_tokens, metadata)
    VALUES (@id, @kind, @model, @owner, @priority, @lane, 'queued', 0, @maxAttempts,
      @createdAt, @runAt, @promptTokens, @maxTokens, @metadata)`,
  /** A child that is there already (a chunk added again after a crash) is not added twice. */
  insertChild: `INSERT OR IGNORE INTO jobs (id, kind, model, owner, priority, lane, state, attempts, max_attempts,
      created_at, run_at, prompt_tokens, max_tokens, metadata, parent_id, child_index)
    VALUES (@id, @kind, @model, @owner, @priority, @lane, 'queued', 0, @maxAttempts,
      @createdAt, @runAt, @promptTokens, @maxTokens, @metadata, @parentId, @childIndex)`,
  startParent: `UPDATE jobs SET state = 'running', started_at = ? WHERE seq = ? AND state = 'queued'`,
  finishParent: `UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE seq = ? AND state = ?`,
  insertInput: `INSERT INTO job_inputs (seq, input) VALUES (?, ?)`,
  claim: `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, claimed_by = ?,
      error = NULL WHERE seq = ? AND state = 'queued'
      RETURNING id, (SELECT input FROM job_inputs WHERE job_inputs.seq = jobs.seq) AS input`,
  succeed: `UPDATE jobs SET state = 'succeeded', finished_at = ?, usage = ?, error = NULL
      WHERE seq = ? AND state = 'running'`,
  saveResult: `INSERT OR REPLACE INTO job_results (seq, result) VALUES (?, ?)`,
  requeue: `UPDATE jobs SET state = 'queued', run_at = ?, error = ?, claimed_by = NULL,
      attempts = max(0, attempts - ?) WHERE seq = ? AND state = 'running'`,
  fail: `UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE seq = ? AND state = ?`,
  cancel: `UPDATE jobs SET state = 'canceled', finished_at = ?, error = ? WHERE seq = ? AND state = ?`,
  reprioritize: `UPDATE jobs SET priority = ? WHERE seq = ? AND state = 'queued'`,
  byId: `SELECT ${RECORD_COLUMNS} FROM jobs WHERE id = ?`,
  bySeq: `SELECT ${RECORD_COLUMNS} FROM jobs WHERE seq = ?`,
  bySeqWithResult: `SELECT ${RECORD_COLUMNS}, ${RESULT_COLUMN} FROM jobs WHERE seq = ?`,
  resultById: `SELECT state, ${RESULT_COLUMN} FROM jobs WHERE id = ?`,
  inputBySeq: `SELECT input FROM job_inputs WHERE seq = ?`,
  queued: `SELECT seq, kind, model, owner, lane, priority, created_at, run_at, prompt_tokens, max_tokens, parent_id
      FROM jobs WHERE state = 'queued' AND ${NOT_SUCCEEDED} AND ${NOT_PARENT} ORDER BY seq`,
  countByState: `SELECT state, count(*) AS n FROM jobs WHERE ${NOT_SUCCEEDED} GROUP BY state`,
  countAll: `SELECT count(*) AS n FROM jobs`,
  interrupted: `SELECT seq, crash_recoveries FROM jobs WHERE state = 'running' AND ${NOT_SUCCEEDED} AND ${NOT_PARENT}`,
  requeueAfterCrash: `UPDATE jobs SET state = 'queued', run_at = NULL, error = ?, claimed_by = NULL,
      attempts = max(0, attempts - 1), crash_recoveries = crash_recoveries + 1 WHERE seq = ? AND state = 'running'`,
  purge: `DELETE FROM jobs WHERE ${EXPIRED}`,
  purgeInputs: `DELETE FROM job_inputs WHERE seq IN (SELECT seq FROM jobs WHERE ${EXPIRED})`,
  purgeResults: `DELETE FROM job_results WHERE seq IN (SELECT seq FROM jobs WHERE ${EXPIRED})`,
  purgeCounts: `SELECT state, count(*) AS n FROM jobs WHERE ${EXPIRED} GROUP BY state`,
  expiredParents: `SELECT id FROM jobs WHERE ${EXPIRED} AND seq IN (SELECT seq FROM job_parents)`,
  purgeParentMarks: `DELETE FROM job_parents WHERE seq IN (SELECT seq FROM jobs WHERE ${EXPIRED})`,
  purgeChildCounts: `SELECT state, count(*) AS n FROM jobs WHERE parent_id = ? GROUP BY state`,
  purgeChildInputs: `DELETE FROM job_inputs WHERE seq IN (${CHILDREN_OF})`,
  purgeChildResults: `DELETE FROM job_results WHERE seq IN (${CHILDREN_OF})`,
  purgeChildren: `DELETE FROM jobs WHERE parent_id = ?`,
  loadStats: `SELECT key, value, samples FROM service_stats`,
  saveStat: `INSERT INTO service_stats (key, value, samples) VALUES (?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET value = excluded.value, samples = excluded.samples`,
};

export type JobStatements = Record<keyof typeof JOB_SQL, Database.Statement>;

export function prepareJobStatements(db: Database.Database): JobStatements {
  const entries = Object.entries(JOB_SQL).map(([name, sql]) => [name, db.prepare(sql)]);
  return Object.fromEntries(entries) as JobStatements;
}
