import type { Lane } from '../../../shared/job';
import type { QueuedEntry } from '../store/job-record';
import { readyAt, setHead } from './policy';

/**
 * A queued job in memory: its entry's fields and its queue bookkeeping in one object, built in
 * one place (one shape). The forecast reads one node per queued job; a node that pointed to a
 * separate entry object cost a second scattered load per job, and memory for a second object.
 * `position` (1-based, 0 = not placed yet) is written by the forecast. `alive` goes false when
 * the job leaves the queue (removal is lazy inside buckets).
 */
export interface QueueNode extends QueuedEntry {
  alive: boolean;
  bucket: Bucket | null;
  position: number;
}

/**
 * Jobs that share lane, priority, owner, model and kind. Inside a bucket, FIFO order is also the
 * policy's order (same priority, so the oldest has aged the most), so only heads compete.
 */
export interface Bucket {
  readonly key: string;
  readonly lane: Lane;
  readonly priority: number;
  readonly owner: string;
  readonly model: string;
  nodes: QueueNode[];
  head: number;
  live: number;
  /** The head's job and when it could first run (kept in step with `head`), so a bucket is a policy `Contender`. */
  entry: QueuedEntry;
  headReadyAt: number;
  /** When the dispatcher last started a job from this group (aging restarts there). */
  groupServedAt: number;
  /** The later of `headReadyAt` and `groupServedAt` (see policy `Contender`). */
  agingFrom: number;
  /** Index in the lane's list of active buckets, or -1. */
  activeSlot: number;
}

/** Jobs of one group share lane, priority, owner, model and kind (so also service rates). */
export function bucketKey(entry: QueuedEntry): string {
  return `${entry.lane}\u0000${entry.priority}\u0000${entry.owner}\u0000${entry.model}\u0000${entry.kind}`;
}

/** Min-heap of delayed nodes by runAt. */
class DelayedHeap {
  readonly items: QueueNode[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): QueueNode | undefined {
    return this.items[0];
  }

  push(node: QueueNode): void {
    const items = this.items;
    items.push(node);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.runAt <= node.runAt) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = node;
  }

  pop(): QueueNode | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]!.runAt < items[left]!.runAt ? right : left;
        if (items[child]!.runAt >= last.runAt) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}

/**
 * The queued jobs, indexed for the policy: buckets whose heads compete, plus a heap of jobs
 * that are not due yet. Also keeps per-owner and per-model counts of queued work.
 */
export class QueueIndex {
  private readonly buckets = new Map<string, Bucket>();
  /**
   * Buckets with at least one live, due job, by lane (a capped lane is skipped whole). Arrays,
   * not sets: the policy scans them on every decision; `activeSlot` makes removal O(1).
   */
  private readonly nonEmpty: Record<Lane, Bucket[]> = { interactive: [], batch: [], background: [] };
  private readonly nodes = new Map<number, QueueNode>();
  private readonly delayed = new DelayedHeap();
  private readonly ownerCounts = new Map<string, number>();
  readonly laneCounts: Record<Lane, number> = { interactive: 0, batch: 0, background: 0 };
  /** Queued jobs per priority 0-9. */
  readonly priorityCounts: number[] = Array.from({ length: 10 }, () => 0);
  /** Bumped on every change, so the forecast knows when it is stale. */
  version = 0;

  get size(): number {
    return this.nodes.size;
  }

  get(seq: number): QueueNode | undefined {
    return this.nodes.get(seq);
  }

  /** Owners with queued work (due or delayed). */
  owners(): IterableIterator<string> {
    return this.ownerCounts.keys();
  }

  queuedForOwner(owner: string): number {
    return this.ownerCounts.get(owner) ?? 0;
  }

  /** Buckets with at least one live, due job, by lane. */
  activeBuckets(): Readonly<Record<Lane, readonly Bucket[]>> {
    return this.nonEmpty;
  }

  /**
   * A quick place for a job the forecast has not placed yet: due jobs of a higher priority, or of
   * the same priority and older, are ahead of it. O(groups); ignores models, aging and fairness.
   */
  countAhead(entry: QueuedEntry): number {
    let ahead = 0;
    for (const lane of Object.values(this.nonEmpty)) {
      for (const bucket of lane) {
        if (bucket.priority > entry.priority) ahead += bucket.live;
        else if (bucket.priority === entry.priority) ahead += QueueIndex.olderInBucket(bucket, entry.seq);
      }
    }
    return ahead;
  }

  /**
   * Live jobs in a bucket older than `seq`. Buckets are in seq order: O(1) for the newest job
   * or one newer than the whole bucket, O(log n) without removed jobs inside the bucket, else a
   * scan up to `seq`.
   */
  private static olderInBucket(bucket: Bucket, seq: number): number {
    const { nodes } = bucket;
    const last = nodes[nodes.length - 1];
    if (!last || last.seq < seq) return bucket.live;
    if (last.seq === seq && last.alive) return bucket.live - 1;
    if (bucket.live === nodes.length - bucket.head) {
      // No removed jobs inside the bucket (claims leave from the head): a binary search counts.
      let lo = bucket.head;
      let hi = nodes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (nodes[mid]!.seq < seq) lo = mid + 1;
        else hi = mid;
      }
      return lo - bucket.head;
    }
    let older = 0;
    for (let i = bucket.head; i < nodes.length; i++) {
      const other = nodes[i]!;
      if (other.seq >= seq) break;
      if (other.alive) older++;
    }
    return older;
  }

  /** All queued nodes (due and delayed), in no particular order. */
  allNodes(): IterableIterator<QueueNode> {
    return this.nodes.values();
  }

  delayedNodes(): readonly QueueNode[] {
    return this.delayed.items;
  }

  nextDueAt(): number | null {
    this.dropDeadDelayed();
    return this.delayed.peek()?.runAt ?? null;
  }

  add(entry: QueuedEntry, now: number): QueueNode {
    // One string per distinct owner/model/kind/lane, not one per job (a million jobs add up).
    const node: QueueNode = {
      seq: entry.seq,
      kind: this.intern(entry.kind),
      model: this.intern(entry.model),
      owner: this.intern(entry.owner),
      lane: this.intern(entry.lane),
      priority: entry.priority,
      createdAt: entry.createdAt,
      runAt: entry.runAt,
      promptTokens: entry.promptTokens,
      maxTokens: entry.maxTokens,
      parentId: entry.parentId ?? null,
      alive: true,
      bucket: null,
      position: 0,
    };
    this.nodes.set(node.seq, node);
    this.ownerCounts.set(node.owner, (this.ownerCounts.get(node.owner) ?? 0) + 1);
    this.laneCounts[node.lane]++;
    this.priorityCounts[node.priority]!++;
    if (node.runAt > now) this.delayed.push(node);
    else this.placeInBucket(node);
    this.version++;
    return node;
  }

  /** Takes a job out of the queue (claimed, canceled, reprioritized). */
  remove(seq: number): QueuedEntry | undefined {
    const node = this.nodes.get(seq);
    if (!node) return undefined;
    this.nodes.delete(seq);
    node.alive = false;
    this.laneCounts[node.lane]--;
    this.priorityCounts[node.priority]!--;
    const left = (this.ownerCounts.get(node.owner) ?? 1) - 1;
    if (left === 0) this.ownerCounts.delete(node.owner);
    else this.ownerCounts.set(node.owner, left);
    const bucket = node.bucket;
    if (bucket) {
      bucket.live--;
      if (bucket.live === 0) {
        bucket.nodes = [];
        bucket.head = 0;
        this.deactivate(bucket);
      } else {
        this.advanceHead(bucket);
      }
    }
    this.version++;
    return node;
  }

  /** Moves delayed jobs whose time has come into their buckets; returns how many. */
  promoteDue(now: number): number {
    let moved = 0;
    for (let top = this.delayed.peek(); top && top.runAt <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      if (!top.alive) continue;
      this.placeInBucket(top);
      moved++;
    }
    if (moved > 0) this.version++;
    return moved;
  }

  /** The first live node of a bucket. */
  static head(bucket: Bucket): QueueNode | undefined {
    return bucket.nodes[bucket.head];
  }

  private placeInBucket(node: QueueNode): void {
    const key = bucketKey(node);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const headReadyAt = readyAt(node);
      bucket = {
        key,
        lane: node.lane,
        priority: node.priority,
        owner: node.owner,
        model: node.model,
        nodes: [],
        head: 0,
        live: 0,
        entry: node,
        headReadyAt,
        groupServedAt: 0,
        agingFrom: headReadyAt,
        activeSlot: -1,
      };
      this.buckets.set(key, bucket);
    }
    node.bucket = bucket;
    const nodes = bucket.nodes;
    const last = nodes.at(-1);
    if (!last || last.seq < node.seq) {
      nodes.push(node);
    } else {
      // A retried or delayed job re-enters among newer ones: keep seq order.
      let lo = bucket.head;
      let hi = nodes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (nodes[mid]!.seq < node.seq) lo = mid + 1;
        else hi = mid;
      }
      nodes.splice(lo, 0, node);
    }
    bucket.live++;
    if (bucket.activeSlot < 0) bucket.activeSlot = this.nonEmpty[bucket.lane].push(bucket) - 1;
    this.advanceHead(bucket);
  }

  private advanceHead(bucket: Bucket): void {
    const nodes = bucket.nodes;
    while (bucket.head < nodes.length && !nodes[bucket.head]!.alive) bucket.head++;
    const head = nodes[bucket.head];
    if (head) setHead(bucket, head);
    // Compact once the dead prefix dominates, so memory stays proportional to live jobs.
    if (bucket.head > 1024 && bucket.head * 2 > nodes.length) {
      bucket.nodes = nodes.slice(bucket.head);
      bucket.head = 0;
    }
  }

  private deactivate(bucket: Bucket): void {
    const list = this.nonEmpty[bucket.lane];
    const last = list.pop()!;
    if (last !== bucket) {
      list[bucket.activeSlot] = last;
      last.activeSlot = bucket.activeSlot;
    }
    bucket.activeSlot = -1;
  }

  private readonly strings = new Map<string, string>();

  private intern<T extends string>(value: T): T {
    const known = this.strings.get(value);
    if (known !== undefined) return known as T;
    this.strings.set(value, value);
    return value;
  }

  private dropDeadDelayed(): void {
    while (this.delayed.size > 0 && !this.delayed.peek()!.alive) this.delayed.pop();
  }
}
