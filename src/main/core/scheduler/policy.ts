/**
 * What runs next. Pure: the live dispatcher and the forecast (positions and ETAs) both call
 * `decide` with their own view of the world, so predictions follow the real policy.
 *
 * Order: effective priority, then fair share (the owner served least so far, VTC-style), then
 * FIFO. Effective priority is the priority plus one level per `agingMs` that the job's group
 * (lane, priority, owner, model) has gone unserved, capped at 9: a starved group climbs until it
 * runs, while a flood that is being served keeps its own priority and cannot outrank fresh work
 * just by being old.
 * Eligibility: global slots, the model's own slots, per-lane caps, per-owner running cap; a
 * background request never takes a model's last free slot.
 * Models (resident-set.ts): work for any resident model runs at once. A missing model is loaded
 * beside the others when it fits the memory budget. When it does not fit, room is made (least
 * recently used idle models first, never a pinned one) only once the models to unload have no
 * queued work, or the missing model's work has waited `switchBoundMs`, or at once for interactive
 * work that outranks everything queued for them (`claimOf`); the models to unload
 * start nothing new and are unloaded when their in-flight requests are done, never under them.
 * Meanwhile one of their next jobs still runs if it is expected to end before their last
 * in-flight request, with room to spare (backfill: the room comes no later).
 * Over ~400 lines: one pure decision; its order, eligibility and room rules are read together.
 */
import { LANES, type Lane } from '../../../shared/job';
import { DEFAULT_PRIORITY, MAX_PRIORITY } from '../../../shared/priority';
import type { QueuedEntry } from '../store/job-record';
import { ModelCounts } from './model-counts';
import { chooseVictims, fits, type ModelView } from './resident-set';

export type { ModelView } from './resident-set';

export interface PolicyParams {
  slots: number;
  laneCaps: Record<Lane, number>;
  maxRunningPerOwner: number | null;
  agingMs: number;
  switchBoundMs: number;
}

/** What is in flight right now. */
export interface RunningView {
  total: number;
  byLane: Record<Lane, number>;
  byOwner: Map<string, number>;
  byModel: ModelCounts;
}

/**
 * Fair-share counters: lower has been served less. Asked per contender, so a caller that keeps
 * each group's counter at hand (the forecast) answers without a lookup.
 */
export interface FairView<C extends Contender = Contender> {
  servedOf(c: C): number;
}

export type Decision<C> =
  | { type: 'run'; candidate: C }
  /** A job of a model being unloaded that is expected to end before its last in-flight request, with room to spare. */
  | { type: 'backfill'; candidate: C }
  /** Load `model` beside the resident ones. */
  | { type: 'load'; model: string }
  /** Unload `model` (a victim of the room-making, nothing in flight on it). */
  | { type: 'unload'; model: string }
  /**
   * Make room for `model`: `victims` start nothing new and go once their in-flight work is done.
   * `preempt`: the room is for interactive work of this effective priority, so the victims' batch
   * and background requests of at most this priority may be sent back to the queue instead of
   * waited for (the dispatcher's bounds decide which); null: nothing is. Never one of higher
   * priority: queued again, it would outrank the chat and call the room-making off, and claimed
   * again it would be preempted again, without end.
   * Issued again, with `preempt`, for a room-making under way when interactive work for its model comes.
   */
  | { type: 'makeRoom'; model: string; victims: string[]; preempt: number | null }
  /** The room-making under way is for a model with no due work left: drop it. */
  | { type: 'abandon' }
  /** `model` cannot fit the budget even with every unpinned model unloaded. */
  | { type: 'reject'; model: string }
  /** Something is queued but cannot start yet (slots full, lanes capped, room being made). */
  | { type: 'wait' }
  /** Nothing is queued that is due. */
  | { type: 'idle' };

/**
 * A competing group (lane, priority, owner, model, kind): its head job, and when the group last
 * got a slot (0: never). Hot path: what the policy compares lives on the contender itself, so a
 * decision reads one object per group, not the head's entry as well (a second, scattered load).
 */
export interface Contender {
  entry: QueuedEntry;
  /** When the head could first run: the later of its creation and its `runAt` (kept with `entry`). */
  headReadyAt: number;
  groupServedAt: number;
  /** The later of the two above: aging counts from here (kept by `setHead` and `markServed`). */
  agingFrom: number;
  /** Shared by every job of the group. */
  readonly priority: number;
  readonly owner: string;
  readonly model: string;
}

/** When a job could first run: its creation, or its `runAt` if later. */
export function readyAt(entry: QueuedEntry): number {
  return Math.max(entry.createdAt, entry.runAt);
}

/** Makes `entry` the contender's head, keeping `headReadyAt` and `agingFrom` in step with it. */
export function setHead(c: Contender, entry: QueuedEntry): void {
  c.entry = entry;
  c.headReadyAt = readyAt(entry);
  c.agingFrom = Math.max(c.headReadyAt, c.groupServedAt);
}

/** The contender's group got a slot at `now`. */
export function markServed(c: Contender, now: number): void {
  c.groupServedAt = now;
  c.agingFrom = Math.max(c.headReadyAt, now);
}

/** Whether priorities age at all with this setting. */
function ages(agingMs: number): boolean {
  return agingMs > 0 && agingMs < Infinity;
}

/**
 * A head's effective priority when priorities age (the scan checks that once per decision):
 * one level per `agingMs` since its job could first run or its group last ran, whichever is
 * later (`agingFrom`, kept with the head), capped at 9.
 */
function agedPriority(c: Contender, now: number, agingMs: number): number {
  const priority = c.priority;
  const waited = now - c.agingFrom;
  // Most heads have waited less than one aging step: no division.
  return waited < agingMs ? priority : Math.min(MAX_PRIORITY, priority + Math.floor(waited / agingMs));
}

/**
 * How long work for another model may wait for a switch: the configured bound at normal priority
 * and below, halved for each level above it (60 s → high 15 s → urgent ~4 s), so priority counts
 * across models too while low-priority work still batches up by model.
 */
export function switchBound(boundMs: number, effectivePriority: number, lane: Lane = 'batch'): number {
  // A shift, not 2 ** n: this runs for every other-model head on every decision.
  const bound = boundMs / (1 << Math.max(0, effectivePriority - DEFAULT_PRIORITY));
  return lane === 'interactive' ? bound * INTERACTIVE_SWITCH_SHARE : bound;
}

/**
 * Interactive work waits this share of the bound: someone is watching it, and preemption keeps
 * the drain short, so the switch it waits for is mostly the load itself.
 */
export const INTERACTIVE_SWITCH_SHARE = 1 / 8;

/**
 * How strongly a head claims the model it is for, when room-making weighs two models: effective
 * priority first, interactive before other lanes at the same priority. Batch and background work
 * ages CLAIM_AGING_SLOWDOWN times slower here than for slots: aging is what keeps it from
 * starving, and it still gets its switch once overdue whenever no outranking work is queued, but a
 * minute's wait must not let a long background job hold a model against someone's chat for another.
 */
function claimOf(c: Contender, eff: number): number {
  if (c.entry.lane === 'interactive') return 2 * eff + 1;
  const { agingMs, now } = scan;
  return 2 * (agingMs === 0 || eff === c.priority ? c.priority : agedPriority(c, now, agingMs * CLAIM_AGING_SLOWDOWN));
}

/** How many times slower batch and background work ages in room-making claims (see `claimOf`). */
export const CLAIM_AGING_SLOWDOWN = 8;

/** The strongest claim among the due heads of the resident models in `models` (-1: none). */
function strongestClaim(models: readonly string[], resident: ReadonlyMap<string, number> | null): number {
  const { heads } = scan;
  let best = -1;
  for (const lane of LANES) {
    const list = heads[lane];
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (!models.includes(c.model) || (resident !== null && !resident.has(c.model))) continue;
      const claim = claimOf(c, effectiveNow(c));
      if (claim > best) best = claim;
    }
  }
  return best;
}

/**
 * The policy's order: higher effective priority first, then interactive work, then the owner served
 * least, then FIFO.
 * `aServed`/`bServed` are the owners' fair-share counters (only compared when it comes to that).
 */
export function goesBefore(a: Contender, aEff: number, aServed: number, b: Contender, bEff: number, bServed: number): boolean {
  if (aEff !== bEff) return aEff > bEff;
  // Someone is watching an interactive request: at the same priority it takes the next slot.
  const aInteractive = a.entry.lane === 'interactive';
  if (aInteractive !== (b.entry.lane === 'interactive')) return aInteractive;
  if (a.owner !== b.owner && aServed !== bServed) return aServed < bServed;
  return a.entry.seq < b.entry.seq;
}

/**
 * The best contender so far in one category, with its fair-share counter looked up at most once
 * (NaN until needed). Hot path: one of these per category per decision, reused.
 */
class Leader<C extends Contender> {
  c: C | null = null;
  eff = -1;
  served = NaN;

  /** The leader's claim, where leaders are compared by claim first (`offerByClaim`). */
  claim = -1;

  reset(): void {
    this.c = null;
    this.served = NaN;
    this.claim = -1;
  }

  /**
   * Offers `c` by its claim on its model first, then by the policy's order: which missing model
   * room is made for follows the same claims that weigh it against the models to unload.
   */
  offerByClaim(c: C, eff: number, claim: number, served: number, fair: FairView<C>): number {
    if (claim < this.claim) return served;
    const before = this.c;
    if (claim > this.claim) this.take(c, eff, served);
    else served = this.offer(c, eff, served, fair);
    if (this.c !== before) this.claim = claim;
    return served;
  }

  /** Offers `c`; returns its counter if it had to be looked up (so the caller can reuse it). */
  offer(c: C, eff: number, served: number, fair: FairView<C>): number {
    const leader = this.c;
    if (leader === null) {
      this.take(c, eff, served);
      return served;
    }
    if (eff === this.eff && c.owner !== leader.owner) {
      if (Number.isNaN(served)) served = fair.servedOf(c);
      if (Number.isNaN(this.served)) this.served = fair.servedOf(leader);
    }
    if (goesBefore(c, eff, served, leader, this.eff, this.served)) this.take(c, eff, served);
    return served;
  }

  private take(c: C, eff: number, served: number): void {
    this.c = c;
    this.eff = eff;
    this.served = served;
  }
}

/**
 * One decision's inputs and leaders, reused across calls (hot path: no allocation per call).
 * Lanes are read by name (`heads.batch`), never `heads[lane]`: a key that varies made those
 * loads megamorphic.
 */
const scan = {
  /** The best job that can start now on a resident model. */
  best: new Leader<Contender>(),
  /** The best job of a model being unloaded (it may only backfill). */
  victim: new Leader<Contender>(),
  /** The missing model's job with the strongest claim, and the same among those past their bound. */
  missing: new Leader<Contender>(),
  overdue: new Leader<Contender>(),
  running: null as unknown as RunningView,
  heads: null as unknown as Readonly<Record<Lane, readonly Contender[]>>,
  models: null as unknown as ModelView,
  fair: null as unknown as FairView,
  ownerCap: null as number | null,
  /** Whether the global slots are all taken (missing models' work is still looked at). */
  full: false,
  /** Resident models with a free slot that are not being unloaded: most heads match one of these few (the first `openCount`). */
  open: [] as string[],
  openCount: 0,
  /** 0 when priorities do not age (set from `agingMs` once per decision). */
  agingMs: 0,
  switchBoundMs: 0,
  now: 0,
  /** The earliest moment a waiting head for a missing model passes its bound (see `nextSwitchDueAt`). */
  switchDueAt: Infinity,
};

/**
 * When work for a missing model, as the last `decide` saw it, next passes its switch bound
 * (Infinity: none). Nothing else happens at that moment, so a caller told to wait decides again
 * then: the dispatcher sets a timer, the forecast moves its clock there.
 */
export function nextSwitchDueAt(): number {
  return scan.switchDueAt;
}

/** Offers one open lane's heads to the leaders. */
function offerLane(laneHeads: readonly Contender[], background: boolean): void {
  const { best, victim, missing, overdue, fair, ownerCap, agingMs, now, models, running } = scan;
  const making = models.making;
  for (let i = 0; i < laneHeads.length; i++) {
    const c = laneHeads[i]!;
    if (ownerCap !== null && (running.byOwner.get(c.owner) ?? 0) >= ownerCap) continue;
    const eff = agingMs === 0 ? c.priority : agedPriority(c, now, agingMs);
    if (isOpen(c.model)) {
      // Background requests run long: one started now would hold the switch that outranking work
      // for a missing model waits for (aging lets it through in time).
      if (background && (missing.claim > claimOf(c, eff) || !leavesSlotFree(c.model))) continue;
      // Most heads lose on effective priority alone: no call for them.
      if (best.c === null || eff >= best.eff) best.offer(c, eff, NaN, fair);
      continue;
    }
    if (models.resident.has(c.model)) {
      // Full, or being unloaded: the latter may only backfill.
      if (!scan.full && making !== null && making.victims.includes(c.model) && running.byModel.get(c.model) < models.resident.get(c.model)!) {
        victim.offer(c, eff, NaN, fair);
      }
      continue;
    }
    const claim = claimOf(c, eff);
    const served = missing.offerByClaim(c, eff, claim, NaN, fair);
    const dueAt = Math.max(c.headReadyAt, models.roomMadeAt) + switchBound(scan.switchBoundMs, eff, c.entry.lane);
    if (now >= dueAt) overdue.offerByClaim(c, eff, claim, served, fair);
    else if (dueAt < scan.switchDueAt) scan.switchDueAt = dueAt;
  }
}

/** The highest effective priority among the interactive heads for `model` (-1: none). */
function strongestInteractive(heads: readonly Contender[], model: string): number {
  let best = -1;
  for (const c of heads) if (c.model === model) best = Math.max(best, effectiveNow(c));
  return best;
}

/** `c`'s effective priority in this decision (offerLane, the hot loop, spells it out). */
function effectiveNow(c: Contender): number {
  const { agingMs, now } = scan;
  return agingMs === 0 ? c.priority : agedPriority(c, now, agingMs);
}

function hasHeadFor(heads: Readonly<Record<Lane, readonly Contender[]>>, model: string): boolean {
  for (const lane of LANES) if (heads[lane].some((c) => c.model === model)) return true;
  return false;
}

function isOpen(model: string): boolean {
  const open = scan.open;
  for (let i = 0; i < scan.openCount; i++) if (open[i] === model) return true;
  return false;
}

/** Fills `scan.open` for this decision. */
function collectOpen(): void {
  const { running, models } = scan;
  if (scan.full) return;
  const making = models.making;
  for (const [model, slots] of models.resident) {
    if (running.byModel.get(model) >= slots) continue;
    if (making !== null && making.victims.includes(model)) continue;
    scan.open[scan.openCount++] = model;
  }
}

/**
 * Whether a background request started on `model` leaves one of its slots free: long background
 * answers must never hold every slot of a model against a chat for it, whatever the other models
 * hold (a model with one slot is the exception: its background work would never run).
 */
function leavesSlotFree(model: string): boolean {
  const slots = scan.models.resident.get(model)!;
  return slots === 1 || scan.running.byModel.get(model) + 1 < slots;
}

/** Requests of `model` in flight in this decision's view. */
function inFlight(model: string): number {
  return scan.running.byModel.get(model);
}

/** Whether `model` has due work in this decision's heads. */
function hasQueued(model: string): boolean {
  return hasHeadFor(scan.heads, model);
}

/**
 * A backfilled job must fit its drain with this much room: service times are estimates, and one
 * that overruns delays the room it was meant not to delay.
 */
const BACKFILL_MARGIN = 1.5;

/** Decisions without fields are shared (the forecast decides once per queued job). */
const IDLE: Decision<never> = Object.freeze({ type: 'idle' });
const WAIT: Decision<never> = Object.freeze({ type: 'wait' });
const ABANDON: Decision<never> = Object.freeze({ type: 'abandon' });

/**
 * What a drain may fill its idle slots with: when the in-flight requests on the given models are
 * expected to be done, and how long a contender's head job is expected to take. Asked only while
 * room is being made.
 */
export interface DrainView<C extends Contender = Contender> {
  lastFinishAt(models: readonly string[]): number;
  serviceMs(c: C): number;
}

export function emptyRunningView(): RunningView {
  // Spelled out: the forecast builds one per run.
  return { total: 0, byLane: { interactive: 0, batch: 0, background: 0 }, byOwner: new Map(), byModel: new ModelCounts() };
}

/** Counts one request of `model` in (+1) or out (-1). */
export function countModel(view: RunningView, model: string, delta: number): void {
  view.byModel.add(model, delta);
}

/**
 * Decides the next step. `heads` are, per lane, the competing groups' first due jobs (the first
 * job of each lane/priority/owner/model/kind group). Hot path: the forecast calls this once per
 * queued job, so a capped lane is skipped whole and each candidate is looked at once.
 */
export function decide<C extends Contender>(
  heads: Readonly<Record<Lane, readonly C[]>>,
  running: RunningView,
  models: ModelView,
  fair: FairView<C>,
  params: PolicyParams,
  now: number,
  drain?: DrainView<C>,
): Decision<C> {
  const { best, victim, missing, overdue } = scan;
  scan.switchDueAt = Infinity;
  best.reset();
  victim.reset();
  missing.reset();
  overdue.reset();
  const any = heads.interactive.length > 0 || heads.batch.length > 0 || heads.background.length > 0;
  if (!any) return IDLE;
  // A just-in-time load: LM Studio's auto-evict may drop any resident model, so nothing runs meanwhile.
  if (models.busy && !models.canLoadAlongside) return WAIT;
  scan.running = running;
  scan.models = models;
  scan.fair = fair as FairView;
  scan.ownerCap = params.maxRunningPerOwner;
  scan.full = running.total >= params.slots;
  scan.agingMs = ages(params.agingMs) ? params.agingMs : 0;
  scan.switchBoundMs = params.switchBoundMs;
  scan.now = now;
  // A count, not `open.length = 0`: truncating an array is a slow builtin call on this path.
  scan.openCount = 0;
  collectOpen();
  const caps = params.laneCaps;
  const byLane = running.byLane;
  if (byLane.interactive < caps.interactive) offerLane(heads.interactive, false);
  if (byLane.batch < caps.batch) offerLane(heads.batch, false);
  if (byLane.background < caps.background) offerLane(heads.background, true);

  const making = models.making;
  scan.heads = heads;
  if (making !== null) {
    if (!hasHeadFor(heads, making.model)) return ABANDON;
    if (!models.busy) {
      // Work that outranks what the room is for arrived for a model still resident: keep it.
      if (strongestClaim(making.victims, models.resident) > strongestClaim([making.model], null)) return ABANDON;
      // Room made for batch work waits for the victims' requests; a chat that comes for the same
      // model must not wait behind a background answer it would have preempted.
      const chat = strongestInteractive(heads.interactive, making.model);
      if (chat > (making.preempt ?? -1)) return { type: 'makeRoom', model: making.model, victims: [...making.victims], preempt: chat };
      for (const v of making.victims) {
        if (models.canLoadAlongside && models.resident.has(v) && inFlight(v) === 0) return { type: 'unload', model: v };
      }
      const cleared = making.victims.every((v) => (models.canLoadAlongside ? !models.resident.has(v) : inFlight(v) === 0));
      if (cleared && !models.resident.has(making.model)) return { type: 'load', model: making.model };
    }
  } else if (!models.busy) {
    const target = (overdue.c ?? missing.c) as C | null;
    if (target !== null) {
      if (fits(models, target.model)) return { type: 'load', model: target.model };
      const victims = chooseVictims(models, target.model, inFlight, hasQueued);
      if (victims === null) return { type: 'reject', model: target.model };
      // The strongest claim of the model's waiting work, weighed as the victims' is.
      const targetClaim = strongestClaim([target.model], null);
      // Never for work that queued work of a model to unload outranks: that work would wait for two switches.
      const victimsClaim = strongestClaim(victims, null);
      // Interactive work that outranks everything queued for the models to unload has nothing to
      // batch up with by waiting its bound: the bound is for work of equal standing (two people
      // chatting with two models that do not fit) taking turns by model.
      const outranksVictims = target.entry.lane === 'interactive' && victimsClaim < targetClaim;
      if ((overdue.c !== null || outranksVictims || !victims.some(hasQueued)) && victimsClaim <= targetClaim) {
        return { type: 'makeRoom', model: target.model, victims, preempt: target.entry.lane === 'interactive' ? strongestInteractive(heads.interactive, target.model) : null };
      }
    }
  }
  const next = best.c as C | null;
  const filler = victim.c as C | null;
  if (filler !== null && making !== null && drain !== undefined && (next === null || goesBefore(filler, victim.eff, fair.servedOf(filler), next, best.eff, fair.servedOf(next)))) {
    if (now + BACKFILL_MARGIN * drain.serviceMs(filler) <= drain.lastFinishAt(making.victims)) return { type: 'backfill', candidate: filler };
  }
  return next === null ? WAIT : { type: 'run', candidate: next };
}
