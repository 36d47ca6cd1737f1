/**
 * Positions and ETAs: run the dispatch policy forward in simulated time over the whole queue,
 * with learned service times. Writes `position`, `startAt` and `finishAt` on each queue node.
 */
import type { Lane } from '../../../shared/job';
import { serviceCost, type FairShare } from '../scheduler/fair-share';
import { decide, emptyRunningView, type Contender, type ModelView, type PolicyParams, type RunningView } from '../scheduler/policy';
import type { Bucket, QueueIndex, QueueNode } from '../scheduler/queue-index';
import type { QueuedEntry } from '../store/job-record';
import type { ServiceModel } from './service-model';

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
interface Cursor {
  nodes: QueueNode[];
  at: number;
  servedAt: number;
}

interface SimRun {
  finishAt: number;
  lane: Lane;
  owner: string;
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

function skipDead(cursor: Cursor): void {
  while (cursor.at < cursor.nodes.length && !cursor.nodes[cursor.at]!.alive) cursor.at++;
}

function contenderOfCursor(cursor: Cursor): Contender {
  return { entry: cursor.nodes[cursor.at]!.entry, groupServedAt: cursor.servedAt };
}

function addRunning(view: RunningView, lane: Lane, owner: string, delta: number): void {
  view.total += delta;
  view.byLane[lane] += delta;
  view.byOwner.set(owner, (view.byOwner.get(owner) ?? 0) + delta);
}

/** Returns the queued nodes in predicted dispatch order (position = index + 1). */
export function forecast(input: ForecastInput): QueueNode[] {
  const { index, params, service } = input;
  const fair = input.fair.clone();
  const order: QueueNode[] = [];
  const cursors: Cursor[] = [];
  for (const bucket of index.activeBuckets() as Iterable<Bucket>) {
    const cursor = { nodes: bucket.nodes, at: bucket.head, servedAt: bucket.servedAt };
    skipDead(cursor);
    if (cursor.at < cursor.nodes.length) cursors.push(cursor);
  }
  const delayed = index
    .delayedNodes()
    .filter((n) => n.alive)
    .sort((a, b) => a.entry.runAt - b.entry.runAt);
  let nextDelayed = 0;
  const overlay = new Map<string, Cursor>();

  const running = emptyRunningView();
  const finishes = new FinishHeap();
  let t = input.now + (input.resumeInMs ?? 0);
  for (const r of input.running) {
    addRunning(running, r.entry.lane, r.entry.owner, 1);
    finishes.push({ finishAt: Math.max(t, r.expectedFinishAt), lane: r.entry.lane, owner: r.entry.owner });
  }
  const models: ModelView = { ...input.models, loading: false };
  if (input.models.loading && input.models.active !== null) t += service.loadMs(input.models.active);

  const admitDelayed = (): void => {
    while (nextDelayed < delayed.length && delayed[nextDelayed]!.entry.runAt <= t) {
      const node = delayed[nextDelayed++]!;
      const e = node.entry;
      const key = `${e.lane}\u0000${e.priority}\u0000${e.owner}\u0000${e.model}`;
      let cursor = overlay.get(key);
      if (!cursor || cursor.at >= cursor.nodes.length) {
        cursor = { nodes: [], at: 0, servedAt: 0 };
        overlay.set(key, cursor);
        cursors.push(cursor);
      }
      let i = cursor.nodes.length;
      while (i > cursor.at && cursor.nodes[i - 1]!.entry.seq > e.seq) i--;
      cursor.nodes.splice(i, 0, node);
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
    const decision = decide(cursors, contenderOfCursor, running, models, fair, params, t);
    if (decision.type === 'run') {
      const cursor = decision.candidate;
      const node = cursor.nodes[cursor.at]!;
      cursor.at++;
      cursor.servedAt = t;
      skipDead(cursor);
      if (cursor.at >= cursor.nodes.length) {
        const i = cursors.indexOf(cursor);
        cursors[i] = cursors[cursors.length - 1]!;
        cursors.pop();
      }
      const estimate = service.estimate(node.entry);
      node.position = order.push(node);
      node.startAt = t;
      node.finishAt = t + estimate.serviceMs;
      fair.charge(node.entry.owner, serviceCost(estimate.promptTokens, estimate.outputTokens));
      addRunning(running, node.entry.lane, node.entry.owner, 1);
      finishes.push({ finishAt: node.finishAt, lane: node.entry.lane, owner: node.entry.owner });
      continue;
    }
    if (decision.type === 'switch') {
      t += service.loadMs(decision.model);
      models.active = decision.model;
      models.activeSince = t;
      admitDelayed();
      continue;
    }
    if (decision.type === 'wait' && finishOne()) {
      admitDelayed();
      continue;
    }
    // Idle (or blocked with nothing running): jump to the next delayed job, if any.
    if (nextDelayed >= delayed.length) break;
    t = Math.max(t, delayed[nextDelayed]!.entry.runAt);
    while ((finishes.peek()?.finishAt ?? Infinity) <= t) finishOne();
    admitDelayed();
  }
  return order;
}
