/**
 * Positions and ETAs: run the dispatch policy forward in simulated time over the whole queue,
 * with learned service times. Writes `position`, `startAt` and `finishAt` on each queue node.
 */
import { LANES, type Lane } from '../../../shared/job';
import { serviceCost, type FairShare } from '../scheduler/fair-share';
import { decide, emptyRunningView, type Contender, type ModelView, type PolicyParams, type RunningView } from '../scheduler/policy';
import { bucketKey, type QueueIndex, type QueueNode } from '../scheduler/queue-index';
import type { QueuedEntry } from '../store/job-record';
import type { ServiceModel, ServiceRates } from './service-model';

export interface RunningJobView {
  entry: QueuedEntry;
  /** When it is expected to finish (already adjusted by progress). */
  expectedFinishAt: number;
}

export interface ForecastInput {
  index: QueueIndex;
  running: readonly RunningJobView[];
  models: ModelView;
  fair: FairShare;
  params: PolicyParams;
  service: ServiceModel;
  now: number;
  /** Dispatch paused, or LM Studio down: ETAs assume it resumes in this many ms. */
  resumeInMs?: number;
}

/** A read cursor over one bucket's (or one overlay group's) remaining nodes. */
interface Cursor extends Contender {
  nodes: QueueNode[];
  at: number;
  /** Service rates of this group, looked up once per forecast. */
  rates: ServiceRates | null;
}

interface SimRun {
  finishAt: number;
  lane: Lane;
  owner: string | null;
}

class FinishHeap {
  private readonly items: SimRun[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): SimRun | undefined {
    return this.items[0];
  }
  push(run: SimRun): void {
    const items = this.items;
    let i = items.push(run) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (items[p]!.finishAt <= run.finishAt) break;
      items[i] = items[p]!;
      i = p;
    }
    items[i] = run;
  }
  pop(): SimRun | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const r = l + 1;
        const c = r < items.length && items[r]!.finishAt < items[l]!.finishAt ? r : l;
        if (items[c]!.finishAt >= last.finishAt) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

/** Moves past removed jobs; false when the cursor is used up. */
function skipDead(cursor: Cursor): boolean {
  const nodes = cursor.nodes;
  while (cursor.at < nodes.length && !nodes[cursor.at]!.alive) cursor.at++;
  const head = nodes[cursor.at];
  if (head) cursor.entry = head.entry;
  return head !== undefined;
}

function addRunning(view: RunningView, lane: Lane, owner: string | null, delta: number): void {
  view.total += delta;
  view.byLane[lane] += delta;
  if (owner !== null) view.byOwner.set(owner, (view.byOwner.get(owner) ?? 0) + delta);
}

/**
 * The queue in predicted dispatch order. Times live in typed arrays indexed like `order`
 * (`position - 1`), not on the nodes: a million queued jobs then cost no extra objects.
 */
export interface Forecast {
  order: QueueNode[];
  startAt: Float64Array;
  finishAt: Float64Array;
}

/** Simulates dispatch over the queue; sets each node's `position` (1-based). */
export function forecast(input: ForecastInput): Forecast {
  const { index, params, service } = input;
  const fair = input.fair.clone();
  const order: QueueNode[] = [];
  const capacity = index.size;
  const startAt = new Float64Array(capacity);
  const finishAt = new Float64Array(capacity);
  const cursors: Record<Lane, Cursor[]> = { interactive: [], batch: [], background: [] };
  for (const lane of LANES) {
    for (const bucket of index.activeBuckets()[lane]) {
      const cursor: Cursor = { nodes: bucket.nodes, at: bucket.head, entry: bucket.entry, groupServedAt: bucket.groupServedAt, rates: null };
      if (skipDead(cursor)) cursors[lane].push(cursor);
    }
  }
  const delayed = index
    .delayedNodes()
    .filter((n) => n.alive)
    .sort((a, b) => a.entry.runAt - b.entry.runAt);
  let nextDelayed = 0;
  const overlay = new Map<string, Cursor>();

  const running = emptyRunningView();
  // Per-owner counts matter only under a per-owner cap; skip the bookkeeping otherwise.
  const ownerOf = (entry: QueuedEntry): string | null => (params.maxRunningPerOwner === null ? null : entry.owner);
  const finishes = new FinishHeap();
  let t = input.now + (input.resumeInMs ?? 0);
  for (const r of input.running) {
    addRunning(running, r.entry.lane, ownerOf(r.entry), 1);
    finishes.push({ finishAt: Math.max(t, r.expectedFinishAt), lane: r.entry.lane, owner: ownerOf(r.entry) });
  }
  const models: ModelView = { ...input.models, loading: false };
  if (input.models.loading && input.models.active !== null) t += service.loadMs(input.models.active);

  const admitDelayed = (): void => {
    while (nextDelayed < delayed.length && delayed[nextDelayed]!.entry.runAt <= t) {
      const node = delayed[nextDelayed++]!;
      const e = node.entry;
      const key = bucketKey(e);
      let cursor = overlay.get(key);
      if (!cursor || cursor.at >= cursor.nodes.length) {
        cursor = { nodes: [], at: 0, entry: e, groupServedAt: 0, rates: null };
        overlay.set(key, cursor);
        cursors[e.lane].push(cursor);
      }
      let i = cursor.nodes.length;
      while (i > cursor.at && cursor.nodes[i - 1]!.entry.seq > e.seq) i--;
      cursor.nodes.splice(i, 0, node);
      skipDead(cursor);
    }
  };
  const finishOne = (): boolean => {
    const run = finishes.pop();
    if (!run) return false;
    t = Math.max(t, run.finishAt);
    addRunning(running, run.lane, run.owner, -1);
    return true;
  };

  admitDelayed();
  for (let guard = 0; guard < 4 * (index.size + input.running.length) + 16; guard++) {
    const decision = decide(cursors, running, models, fair, params, t);
    if (decision.type === 'run') {
      models.switchingTo = null;
      const cursor = decision.candidate;
      const node = cursor.nodes[cursor.at]!;
      cursor.at++;
      cursor.groupServedAt = t;
      const rates = (cursor.rates ??= service.rates(node.entry.kind, node.entry.owner, node.entry.model));
      if (!skipDead(cursor)) {
        const list = cursors[node.entry.lane];
        list[list.indexOf(cursor)] = list[list.length - 1]!;
        list.pop();
      }
      const estimate = service.estimate(node.entry, rates);
      const slot = order.length;
      node.position = order.push(node);
      const finish = t + estimate.serviceMs;
      if (slot < capacity) {
        startAt[slot] = t;
        finishAt[slot] = finish;
      }
      fair.charge(node.entry.owner, serviceCost(estimate.promptTokens, estimate.outputTokens));
      addRunning(running, node.entry.lane, ownerOf(node.entry), 1);
      finishes.push({ finishAt: finish, lane: node.entry.lane, owner: ownerOf(node.entry) });
      continue;
    }
    if (decision.type === 'switch') {
      t += service.loadMs(decision.model);
      models.active = decision.model;
      models.switchingTo = null;
      models.activeSince = t;
      admitDelayed();
      continue;
    }
    if (decision.type === 'drain') models.switchingTo = decision.model;
    if ((decision.type === 'wait' || decision.type === 'drain') && finishOne()) {
      admitDelayed();
      continue;
    }
    // Idle (or blocked with nothing running): jump to the next delayed job, if any.
    if (nextDelayed >= delayed.length) break;
    t = Math.max(t, delayed[nextDelayed]!.entry.runAt);
    while ((finishes.peek()?.finishAt ?? Infinity) <= t) finishOne();
    admitDelayed();
  }
  return { order, startAt, finishAt };
}
