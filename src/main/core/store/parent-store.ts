/**
 * What only a parent job has on disk (job_parents: sealed, how it is ending, its final counts),
 * and the queries over a parent's children. Child rows are ordinary jobs (JobStore).
 */
import type Database from 'better-sqlite3';
import type { ChildCounts, JobError, JobState } from '../../../shared/job';
import type { ParentEnding } from '../jobs/parent-ledger';
import type { JobRecord } from './job-record';
import { RECORD_COLUMNS, rowToRecord, type JobRow } from './job-row';

export interface ParentMarks {
  sealed: boolean;
  ending: ParentEnding | null;
  /** The children's counts, frozen when the parent finished (null before). */
  children: ChildCounts | null;
}

export interface ChildWithResult {
  index: number;
  record: JobRecord;
  /** The stored result text of a succeeded child, else null. */
  resultJson: string | null;
}

const PARENT_SQL = {
  create: `INSERT INTO job_parents (seq) VALUES (?)`,
  marks: `SELECT sealed, ending, ending_error, children FROM job_parents WHERE seq = ?`,
  seal: `UPDATE job_parents SET sealed = 1 WHERE seq = ?`,
  setEnding: `UPDATE job_parents SET ending = ?, ending_error = ? WHERE seq = ? AND ending IS NULL`,
  saveChildren: `UPDATE job_parents SET children = ? WHERE seq = ?`,
  unfinishedParents: `SELECT ${RECORD_COLUMNS} FROM jobs WHERE seq IN (SELECT seq FROM job_parents)
      AND state IN ('queued', 'running') AND state <> 'succeeded'`,
  childCounts: `SELECT state, count(*) AS n FROM jobs WHERE parent_id = ? GROUP BY state`,
  childrenIn: `SELECT seq, child_index FROM jobs WHERE parent_id = ? AND child_index > ? AND state = ? ORDER BY child_index LIMIT ?`,
  queuedNotAt: `SELECT seq, child_index FROM jobs WHERE parent_id = ? AND child_index > ? AND state = 'queued' AND priority <> ?
      ORDER BY child_index LIMIT ?`,
  setPriority: `UPDATE jobs SET priority = ? WHERE seq = ?`,
  dropChildResult: `DELETE FROM job_results WHERE seq = (SELECT seq FROM jobs WHERE parent_id = ? AND child_index = ? AND state = 'succeeded')`,
  childPage: `SELECT ${RECORD_COLUMNS}, (SELECT result FROM job_results WHERE job_results.seq = jobs.seq) AS result
      FROM jobs WHERE parent_id = ? AND child_index > ? ORDER BY child_index LIMIT ?`,
};

type ParentStatements = Record<keyof typeof PARENT_SQL, Database.Statement>;

interface MarksRow {
  sealed: number;
  ending: 'canceled' | 'failed' | null;
  ending_error: string | null;
  children: string | null;
}

export class ParentStore {
  private readonly statements: ParentStatements;

  constructor(db: Database.Database) {
    this.statements = Object.fromEntries(Object.entries(PARENT_SQL).map(([name, sql]) => [name, db.prepare(sql)])) as ParentStatements;
  }

  /** In the transaction that inserts the parent's row. */
  create(seq: number): void {
    this.statements.create.run(seq);
  }

  marks(seq: number): ParentMarks | null {
    const row = this.statements.marks.get(seq) as MarksRow | undefined;
    if (!row) return null;
    return {
      sealed: row.sealed === 1,
      ending: row.ending === null ? null : { state: row.ending, error: JSON.parse(row.ending_error ?? 'null') as JobError },
      children: row.children === null ? null : (JSON.parse(row.children) as ChildCounts),
    };
  }

  seal(seq: number): void {
    this.statements.seal.run(seq);
  }

  /** The first ending wins (a cancel after a failure changes nothing). */
  setEnding(seq: number, ending: ParentEnding): boolean {
    return this.statements.setEnding.run(ending.state, JSON.stringify(ending.error), seq).changes === 1;
  }

  saveChildren(seq: number, counts: ChildCounts): void {
    this.statements.saveChildren.run(JSON.stringify(counts), seq);
  }

  unfinishedParents(): JobRecord[] {
    return (this.statements.unfinishedParents.all() as JobRow[]).map(rowToRecord);
  }

  /** Counted from the children themselves (at start, after recovery). */
  childCounts(parentId: string): ChildCounts {
    const counts: ChildCounts = { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    for (const row of this.statements.childCounts.all(parentId) as { state: JobState; n: number }[]) {
      counts[row.state] += row.n;
      counts.total += row.n;
    }
    return counts;
  }

  /** Up to `limit` children in `state` after child `afterIndex`, in child order. */
  childrenIn(parentId: string, state: JobState, afterIndex: number, limit: number): { seq: number; index: number }[] {
    return (this.statements.childrenIn.all(parentId, afterIndex, state, limit) as { seq: number; child_index: number }[]).map((r) => ({ seq: r.seq, index: r.child_index }));
  }

  /** Up to `limit` queued children after child `afterIndex` whose priority is not `priority`, in child order. */
  queuedNotAt(parentId: string, priority: number, afterIndex: number, limit: number): { seq: number; index: number }[] {
    return (this.statements.queuedNotAt.all(parentId, afterIndex, priority, limit) as { seq: number; child_index: number }[]).map((r) => ({ seq: r.seq, index: r.child_index }));
  }

  /** A parent's own priority (queued or running): what its children are added at. */
  setPriority(seq: number, priority: number): void {
    this.statements.setPriority.run(priority, seq);
  }

  /** The stored results of these succeeded children go (their owner keeps what they said); how many went. */
  dropChildResults(parentId: string, indexes: readonly number[]): number {
    let dropped = 0;
    for (const index of indexes) dropped += this.statements.dropChildResult.run(parentId, index).changes;
    return dropped;
  }

  /** Children after `afterIndex` (-1: from the first), in order, with their stored results. */
  childPage(parentId: string, afterIndex: number, limit: number): ChildWithResult[] {
    const rows = this.statements.childPage.all(parentId, afterIndex, limit) as (JobRow & { result: string | null })[];
    return rows.map((row) => {
      const record = rowToRecord(row);
      return { index: record.childIndex!, record, resultJson: record.state === 'succeeded' ? row.result : null };
    });
  }
}
