/**
 * What each unfinished parent job's children say, kept in memory: counts by state, whether all
 * children are added (sealed), and how the parent is ending (canceled or failed). JobQueue tells
 * it every child transition in the same call that makes it, so the counts cannot drift from the
 * store; at start they are counted from the children again (ParentJobs.restore).
 */
import type { ChildCounts, JobError, JobState } from '../../../shared/job';

export interface ParentEnding {
  state: 'canceled' | 'failed';
  error: JobError;
}

export interface ParentEntry {
  readonly seq: number;
  readonly id: string;
  readonly counts: ChildCounts;
  sealed: boolean;
  ending: ParentEnding | null;
  /** Whether the parent's row says running (a child has started). */
  started: boolean;
}

export function emptyCounts(): ChildCounts {
  return { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
}

/** Children still queued or running. */
export function unfinished(counts: ChildCounts): number {
  return counts.queued + counts.running;
}

export class ParentLedger {
  private readonly byId = new Map<string, ParentEntry>();
  /** Running children by seq: a finish names only the seq, and only these few can finish. */
  private readonly runningChildren = new Map<number, ParentEntry>();
  /** Told after each change to a parent's children (inside the transition's transaction). */
  listener: ((parent: ParentEntry, childSeq: number, to: JobState) => void) | null = null;
  /** After a commit SQLite rolled back: the counts are counted from the children again (ParentJobs). */
  reconcile: (() => void) | null = null;

  /** Unfinished parents. */
  get size(): number {
    return this.byId.size;
  }

  track(entry: ParentEntry): void {
    this.byId.set(entry.id, entry);
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  get(id: string): ParentEntry | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<ParentEntry> {
    return this.byId.values();
  }

  /** Whether `parentId`'s children must not start (it is being canceled or failed). */
  isEnding(parentId: string): boolean {
    return this.byId.get(parentId)?.ending != null;
  }

  /** The seqs of a parent's running children (to abort them). */
  runningChildrenOf(parent: ParentEntry): number[] {
    const seqs: number[] = [];
    for (const [seq, p] of this.runningChildren) if (p === parent) seqs.push(seq);
    return seqs;
  }

  /** Forgets running children the store no longer says are running (a rolled-back claim). */
  pruneRunning(isRunning: (seq: number) => boolean): void {
    for (const seq of [...this.runningChildren.keys()]) if (!isRunning(seq)) this.runningChildren.delete(seq);
  }

  added(parentId: string, childSeq: number): void {
    const parent = this.byId.get(parentId);
    if (!parent) return;
    parent.counts.total++;
    parent.counts.queued++;
    this.listener?.(parent, childSeq, 'queued');
  }

  /**
   * A child moved from one state to another. `parentId` when the caller knows it (a queued
   * child's entry); a running child is found by its seq, and an ordinary job costs one lookup.
   */
  moved(childSeq: number, parentId: string | null | undefined, from: JobState, to: JobState): void {
    const parent = parentId ? this.byId.get(parentId) : this.runningChildren.get(childSeq);
    if (!parent) return;
    parent.counts[from]--;
    parent.counts[to]++;
    if (from === 'running') this.runningChildren.delete(childSeq);
    if (to === 'running') this.runningChildren.set(childSeq, parent);
    this.listener?.(parent, childSeq, to);
  }
}
