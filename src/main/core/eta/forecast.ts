/**
 * Positions and ETAs: run the dispatch policy forward in simulated time over the whole queue,
 * with learned service times. Writes `position`, `startAt` and `finishAt` on each queue node.
 * Over ~400 lines: one simulation loop whose steps mirror the dispatcher's, in its order; kept
 * whole so the two can be read against each other (the forecast-equals-policy property test).
 */
import { LANES, type Lane } from '../../../shared/job';
import { serviceCost, type FairShare } from '../scheduler/fair-share';
import { decide, emptyRunningView, markServed, nextSwitchDueAt, readyAt, setHead, type Contender, type DrainView, type FairView, type ModelView, type PolicyParams, type RunningView } from '../scheduler/policy';
import { copyModelView } from '../scheduler/resident-set';
import { bucketKey, type QueueIndex, type QueueNode } from '../scheduler/queue-index';
import type { QueuedEntry } from '../store/job-record';
import { expectedOutputTokens, serviceMsOf, type ServiceModel, type ServiceRates } from './service-model';

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
  /** An older forecast nobody reads any more: its arrays are written over when big enough. */
  reuse?: Forecast | null;
}

const LANE_CODE = Object.fromEntries(LANES.map((lane, i) => [lane, i])) as Record<Lane, number>;
const INTERACTIVE = LANE_CODE.interactive;
const BATCH = LANE_CODE.batch;

/**
 * One model's simulated state, shared by its cursors and its requests in flight, so the hot loop
 * counts and stamps on it without a lookup by name.
 */
interface ModelCell {
  readonly model: string;
  /** Its counter in the running view's per-model counts. */
  readonly inFlight: { n: number };
  /** When it last started or finished a request (-1: not in this forecast yet). */
  lastUsedAt: number;
  /** The latest finish of its requests pushed so far. */
  lastFinishAt: number;
}

/** A read cursor over one bucket's (or one overlay group's) remaining nodes. */
interface Cursor extends Contender {
  nodes: QueueNode[];
  at: number;
  /** Service rates of this group, looked up once per forecast. */
  rates: ServiceRates | null;
  /** The owner's simulated fair-share counter (shared by the owner's cursors). */
  account: { served: number };
  /** The lane's code, and the lane's list of cursors (this one leaves it when used up). */
  laneCode: number;
  list: Cursor[];
  cell: ModelCell;
}

/** A FairView over cursors: each reads its owner's counter directly. */
const CURSOR_FAIR: FairView<Cursor> = { servedOf: (c) => c.account.served };

/**
 * Simulated requests in flight, soonest finish first: a binary heap over parallel arrays (no
 * object per job). `lane` and `owner` say which counters to release when one finishes. Equal
 * finish times leave in the order they were pushed, so the forecast does not depend on the
 * heap's shape: which lane frees a slot first decides what starts next.
 * Plain arrays (V8 keeps numbers in them unboxed): it holds at most the slots in use, and a
 * forecast of a short queue spent a quarter of its time allocating typed arrays (measured).
 */
class FinishHeap {
  private readonly finishAt: number[] = [];
  private readonly stamp: number[] = [];
  private readonly lane: number[] = [];
  private readonly owner: (string | null)[] = [];
  private readonly model: ModelCell[] = [];
  private pushed = 0;
  size = 0;

  peekFinishAt(): number {
    return this.size > 0 ? this.finishAt[0]! : Infinity;
  }

  /** Also keeps the model's latest finish: while any of its requests is in the heap, that one leaves last. */
  push(finishAt: number, lane: number, owner: string | null, model: ModelCell): void {
    if (finishAt > model.lastFinishAt) model.lastFinishAt = finishAt;
    const stamp = this.pushed++;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(finishAt, stamp, p)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, finishAt, stamp, lane, owner, model);
  }

  /** Whether (finishAt, stamp) leaves before the entry at `i`. */
  private before(finishAt: number, stamp: number, i: number): boolean {
    return leavesFirst(finishAt, stamp, this.finishAt[i]!, this.stamp[i]!);
  }

  /** Removes the soonest; read `popped*` for what it was. */
  pop(): boolean {
    if (this.size === 0) return false;
    this.poppedFinishAt = this.finishAt[0]!;
    this.poppedLane = this.lane[0]!;
    this.poppedOwner = this.owner[0]!;
    this.poppedModel = this.model[0]!;
    const last = --this.size;
    const f = this.finishAt[last]!;
    const s = this.stamp[last]!;
    const l = this.lane[last]!;
    const o = this.owner[last]!;
    const m = this.model[last]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const c = right < last && this.before(this.finishAt[right]!, this.stamp[right]!, left) ? right : left;
      if (!leavesFirst(this.finishAt[c]!, this.stamp[c]!, f, s)) break;
      this.move(c, i);
      i = c;
    }
    if (last > 0) this.set(i, f, s, l, o, m);
    return true;
  }

  poppedFinishAt = 0;
  poppedLane = 0;
  poppedOwner: string | null = null;
  poppedModel: ModelCell | null = null;

  private set(i: number, finishAt: number, stamp: number, lane: number, owner: string | null, model: ModelCell): void {
    this.finishAt[i] = finishAt;
    this.stamp[i] = stamp;
    this.lane[i] = lane;
    this.owner[i] = owner;
    this.model[i] = model;
  }

  private move(from: number, to: number): void {
    this.set(to, this.finishAt[from]!, this.stamp[from]!, this.lane[from]!, this.owner[from]!, this.model[from]!);
  }
}

/** Sooner finish first; equal finishes in the order they were pushed. */
function leavesFirst(finishA: number, stampA: number, finishB: number, stampB: number): boolean {
  return finishA < finishB || (finishA === finishB && stampA < stampB);
}

function hasQueued(cursors: Record<Lane, Cursor[]>): boolean {
  return cursors.interactive.length > 0 || cursors.batch.length > 0 || cursors.background.length > 0;
}

/** Moves past removed jobs; false when the cursor is used up. */
function skipDead(cursor: Cursor): boolean {
  const nodes = cursor.nodes;
  while (cursor.at < nodes.length && !nodes[cursor.at]!.alive) cursor.at++;
  const head = nodes[cursor.at];
  if (head) setHead(cursor, head);
  return head !== undefined;
}

/** Counts a simulated request in or out. The lane comes as its code: `byLane[lane]` with a key that varies is a slow (megamorphic) access. */
function addRunning(view: RunningView, laneCode: number, owner: string | null, model: ModelCell, delta: number): void {
  view.total += delta;
  model.inFlight.n += delta;
  const byLane = view.byLane;
  if (laneCode === INTERACTIVE) byLane.interactive += delta;
  else if (laneCode === BATCH) byLane.batch += delta;
  else byLane.background += delta;
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
  // Each owner's fair-share counter, simulated forward from today's.
  const accounts = new Map<string, { served: number }>();
  const accountOf = (owner: string): { served: number } => {
    let account = accounts.get(owner);
    if (!account) accounts.set(owner, (account = { served: input.fair.served(owner) }));
    return account;
  };
  const capacity = index.size;
  const spare = input.reuse;
  // Sized once (a 100k array grown by push was copied ~17 times); trimmed to what was placed.
  const order: QueueNode[] = spare && spare.order.length >= capacity ? spare.order : new Array<QueueNode>(capacity);
  let placed = 0;
  const startAt = spare && spare.startAt.length >= capacity ? spare.startAt : new Float64Array(capacity);
  const finishAt = spare && spare.finishAt.length >= capacity ? spare.finishAt : new Float64Array(capacity);
  const cursors: Record<Lane, Cursor[]> = { interactive: [], batch: [], background: [] };
  const running = emptyRunningView();
  const models = copyModelView(input.models);
  const cells = new Map<string, ModelCell>();
  const cellOf = (model: string): ModelCell => {
    let cell = cells.get(model);
    if (!cell) cells.set(model, (cell = { model, inFlight: running.byModel.cellOf(model), lastUsedAt: -1, lastFinishAt: -Infinity }));
    return cell;
  };
  /** Hands the stamps to the model view; only room-making reads them (least recently used goes first). */
  const syncLastUsed = (): void => {
    for (const cell of cells.values()) if (cell.lastUsedAt >= 0) models.lastUsedAt.set(cell.model, cell.lastUsedAt);
  };
  // Every cursor is built here, so all share one shape (the policy's hot path stays monomorphic).
  const newCursor = (lane: Lane, owner: string, nodes: QueueNode[], at: number, entry: QueuedEntry, groupServedAt: number): Cursor => {
    const headReadyAt = readyAt(entry);
    return {
      nodes,
      at,
      entry,
      headReadyAt,
      groupServedAt,
      agingFrom: Math.max(headReadyAt, groupServedAt),
      priority: entry.priority,
      owner,
      model: entry.model,
      rates: null,
      account: accountOf(owner),
      laneCode: LANE_CODE[lane],
      list: cursors[lane],
      cell: cellOf(entry.model),
    };
  };
  for (const lane of LANES) {
    for (const bucket of index.activeBuckets()[lane]) {
      const cursor = newCursor(lane, bucket.owner, bucket.nodes, bucket.head, bucket.entry, bucket.groupServedAt);
      if (skipDead(cursor)) cursor.list.push(cursor);
    }
  }
  const delayed = index
    .delayedNodes()
    .filter((n) => n.alive)
    .sort((a, b) => a.runAt - b.runAt);
  let nextDelayed = 0;
  const overlay = new Map<string, Cursor>();

  // Per-owner counts matter only under a per-owner cap; skip the bookkeeping otherwise.
  const ownerOf = (entry: QueuedEntry): string | null => (params.maxRunningPerOwner === null ? null : entry.owner);
  const finishes = new FinishHeap();
  let t = input.now + (input.resumeInMs ?? 0);
  for (const r of input.running) {
    const lane = LANE_CODE[r.entry.lane];
    const cell = cellOf(r.entry.model);
    addRunning(running, lane, ownerOf(r.entry), cell, 1);
    finishes.push(Math.max(t, r.expectedFinishAt), lane, ownerOf(r.entry), cell);
  }
  // A load under way ends after its learned load time; an unload or a retry wait is over at once.
  let pendingLoad: { model: string; at: number } | null = null;
  if (input.models.loading !== null) {
    const { model, since } = input.models.loading;
    pendingLoad = { model, at: Math.max(t, since + service.loadMs(model)) };
  } else models.busy = false;

  const admitDelayed = (): void => {
    while (nextDelayed < delayed.length && delayed[nextDelayed]!.runAt <= t) {
      const node = delayed[nextDelayed++]!;
      const key = bucketKey(node);
      let cursor = overlay.get(key);
      if (!cursor || cursor.at >= cursor.nodes.length) {
        cursor = newCursor(node.lane, node.owner, [], 0, node, 0);
        overlay.set(key, cursor);
        cursor.list.push(cursor);
      }
      let i = cursor.nodes.length;
      while (i > cursor.at && cursor.nodes[i - 1]!.seq > node.seq) i--;
      cursor.nodes.splice(i, 0, node);
      skipDead(cursor);
    }
  };
  // With every slot busy, `decide` can only say wait, unless a model is missing (a load or room
  // to decide): then skip asking it, as most steps of a long queue are exactly that.
  const queuedModels = new Set<string>(delayed.map((n) => n.model));
  for (const lane of LANES) for (const c of cursors[lane]) queuedModels.add(c.model);
  const allResident = (): boolean => [...queuedModels].every((m) => models.resident.has(m));
  let nothingToLoad = allResident();
  /** Moves time to the next finish or load, whichever comes first; false when neither is pending. */
  const advance = (): boolean => {
    if (pendingLoad !== null && pendingLoad.at <= finishes.peekFinishAt()) {
      t = Math.max(t, pendingLoad.at);
      models.resident.set(pendingLoad.model, models.slotsIfLoaded(pendingLoad.model));
      nothingToLoad = allResident();
      models.busy = false;
      models.roomMadeAt = t;
      pendingLoad = null;
      return true;
    }
    if (!finishes.pop()) return false;
    t = Math.max(t, finishes.poppedFinishAt);
    const cell = finishes.poppedModel!;
    addRunning(running, finishes.poppedLane, finishes.poppedOwner, cell, -1);
    cell.lastUsedAt = t;
    return true;
  };
  /** A model that can never fit: its jobs will fail, so none of them is placed. */
  const dropModel = (model: string): void => {
    for (const lane of LANES) {
      const list = cursors[lane];
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.model === model) list.splice(i, 1);
    }
  };

  /** A group's service rates, looked up once per forecast (every job of a group shares them). */
  const ratesOf = (cursor: Cursor): ServiceRates => (cursor.rates ??= service.rates(cursor.entry.kind, cursor.owner, cursor.model));
  // What a drain may backfill with: the estimate the dispatcher uses.
  const drain: DrainView<Cursor> = {
    lastFinishAt: (victims) => {
      let last = -Infinity;
      for (const v of victims) last = Math.max(last, cells.get(v)?.lastFinishAt ?? -Infinity);
      return last;
    },
    serviceMs: (cursor) => service.estimate(cursor.entry, ratesOf(cursor), running.total + 1).serviceMs,
  };
  admitDelayed();
  const maxSteps = 6 * (index.size + input.running.length) + 16 * (models.resident.size + 4);
  for (let guard = 0; guard < maxSteps; guard++) {
    if (running.total >= params.slots && (models.busy || (nothingToLoad && models.making === null)) && hasQueued(cursors) && advance()) {
      admitDelayed();
      continue;
    }
    if (!nothingToLoad || models.making !== null) syncLastUsed();
    const decision = decide(cursors, running, models, CURSOR_FAIR, params, t, drain);
    switch (decision.type) {
      case 'run':
      case 'backfill': {
        const cursor = decision.candidate;
        const node = cursor.nodes[cursor.at]!;
        cursor.at++;
        markServed(cursor, t);
        const rates = ratesOf(cursor);
        if (!skipDead(cursor)) {
          const list = cursor.list;
          list[list.indexOf(cursor)] = list[list.length - 1]!;
          list.pop();
        }
        const outputTokens = expectedOutputTokens(node, rates);
        const slot = placed++;
        if (slot < capacity) order[slot] = node;
        else order.push(node);
        node.position = slot + 1;
        const finish = t + serviceMsOf(node, outputTokens, rates, running.total + 1);
        if (slot < capacity) {
          startAt[slot] = t;
          finishAt[slot] = finish;
        }
        cursor.account.served += serviceCost(node.promptTokens, outputTokens);
        const owner = ownerOf(node);
        const cell = cursor.cell;
        addRunning(running, cursor.laneCode, owner, cell, 1);
        cell.lastUsedAt = t;
        finishes.push(finish, cursor.laneCode, owner, cell);
        continue;
      }
      case 'makeRoom':
        models.making = { model: decision.model, victims: decision.victims, preempt: decision.preempt };
        continue;
      case 'abandon':
        models.making = null;
        continue;
      case 'load':
        if (models.making?.model === decision.model) models.making = null;
        models.busy = true;
        pendingLoad = { model: decision.model, at: t + service.loadMs(decision.model) };
        continue;
      case 'unload':
        models.resident.delete(decision.model);
        nothingToLoad = false;
        continue;
      case 'reject':
        dropModel(decision.model);
        continue;
      case 'wait': {
        // Work for a missing model passes its bound before anything else happens: decide again then.
        const dueAt = models.busy ? Infinity : nextSwitchDueAt();
        if (dueAt < finishes.peekFinishAt() && (pendingLoad === null || dueAt < pendingLoad.at)) {
          t = Math.max(t, dueAt);
          admitDelayed();
          continue;
        }
        if (advance()) {
          admitDelayed();
          continue;
        }
        break;
      }
      case 'idle':
        break;
    }
    // Idle (or blocked with nothing running): jump to the next delayed job, if any.
    if (nextDelayed >= delayed.length) break;
    t = Math.max(t, delayed[nextDelayed]!.runAt);
    while (finishes.peekFinishAt() <= t || (pendingLoad !== null && pendingLoad.at <= t)) advance();
    admitDelayed();
  }
  order.length = placed;
  return { order, startAt, finishAt };
}
