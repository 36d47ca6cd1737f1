/**
 * What runs next. Pure: the live dispatcher and the forecast (positions and ETAs) both call
 * `decide` with their own view of the world, so predictions follow the real policy.
 *
 * Order: effective priority, then fair share (the owner served least so far, VTC-style), then
 * FIFO. Effective priority is the priority plus one level per `agingMs` that the job's group
 * (lane, priority, owner, model) has gone unserved, capped at 9: a starved group climbs until it
 * runs, while a flood that is being served keeps its own priority and cannot outrank fresh work
 * just by being old.
 * Eligibility: global slots, per-lane caps, per-owner running cap.
 * Models: keep to the loaded model while it has work, unless work for another model has
 * waited `switchBoundMs` since it could last have run; once decided, a switch waits for in-flight
 * work, and happens. While it waits, the loaded model's next job still runs if it is expected to
 * end before the last in-flight request, with room to spare (backfill: the switch comes no later).
 */
import { LANES, type Lane } from '../../../shared/job';
import { DEFAULT_PRIORITY, MAX_PRIORITY } from '../../../shared/priority';
import type { QueuedEntry } from '../store/job-record';

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
}

export interface ModelView {
  /** The model requests are sent to; null before the first load. */
  active: string | null;
  /** When `active` became active: other-model work waits `switchBoundMs` from here at most. */
  activeSince: number;
  /** A load is in progress: nothing else starts. */
  loading: boolean;
  /**
   * A switch to this model was decided and in-flight work is draining: it is kept to until it
   * happens (else each finished request would let the old model start another, and the switch
   * never comes).
   */
  switchingTo: string | null;
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
  | { type: 'switch'; model: string }
  /** A switch to `model` is due; requests are in flight, so nothing new starts until they finish. */
  | { type: 'drain'; model: string }
  /**
   * A switch to `model` is due and waits for in-flight requests; meanwhile `candidate` (the
   * loaded model's next job) is expected to finish before the last of them, with room to spare,
   * so it runs: the switch comes no later for it.
   */
  | { type: 'backfill'; candidate: C; model: string }
  /** Something is queued but cannot start yet (slots full, lanes capped, draining, loading). */
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
export function switchBound(boundMs: number, effectivePriority: number): number {
  // A shift, not 2 ** n: this runs for every other-model head on every decision.
  return boundMs / (1 << Math.max(0, effectivePriority - DEFAULT_PRIORITY));
}

/**
 * The policy's order: higher effective priority first, then the owner served least, then FIFO.
 * `aServed`/`bServed` are the owners' fair-share counters (only compared when it comes to that).
 */
export function goesBefore(a: Contender, aEff: number, aServed: number, b: Contender, bEff: number, bServed: number): boolean {
  if (aEff !== bEff) return aEff > bEff;
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

  reset(): void {
    this.c = null;
    this.served = NaN;
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
 * loads megamorphic, about a quarter of `decide`'s time in the forecast.
 */
const scan = {
  best: new Leader<Contender>(),
  other: new Leader<Contender>(),
  overdue: new Leader<Contender>(),
  running: null as unknown as RunningView,
  fair: null as unknown as FairView,
  ownerCap: null as number | null,
  active: null as string | null,
  activeSince: 0,
  /** 0 when priorities do not age (set from `agingMs` once per decision). */
  agingMs: 0,
  switchBoundMs: 0,
  now: 0,
};

/** Offers one open lane's heads to the leaders. */
function offerLane(laneHeads: readonly Contender[]): void {
  const { best, other, overdue, fair, ownerCap, active, agingMs, now } = scan;
  for (let i = 0; i < laneHeads.length; i++) {
    const c = laneHeads[i]!;
    if (ownerCap !== null && (scan.running.byOwner.get(c.owner) ?? 0) >= ownerCap) continue;
    const eff = agingMs === 0 ? c.priority : agedPriority(c, now, agingMs);
    if (c.model === active) {
      // Most heads lose on effective priority alone: no call for them.
      if (best.c === null || eff >= best.eff) best.offer(c, eff, NaN, fair);
      continue;
    }
    const served = other.offer(c, eff, NaN, fair);
    const waitingSince = Math.max(c.headReadyAt, scan.activeSince);
    if (now - waitingSince >= switchBound(scan.switchBoundMs, eff)) overdue.offer(c, eff, served, fair);
  }
}

function firstForModel<C extends Contender>(heads: Readonly<Record<Lane, readonly C[]>>, model: string): C | null {
  for (const lane of LANES) {
    const found = heads[lane].find((c) => c.model === model);
    if (found) return found;
  }
  return null;
}

/**
 * A backfilled job must fit its drain with this much room: service times are estimates, and one
 * that overruns delays the switch it was meant not to delay.
 */
const BACKFILL_MARGIN = 1.5;

/** Decisions without fields are shared (the forecast decides once per queued job). */
const IDLE: Decision<never> = Object.freeze({ type: 'idle' });
const WAIT: Decision<never> = Object.freeze({ type: 'wait' });

/**
 * What a drain may fill its idle slots with: when the in-flight requests are expected to be
 * done, and how long a contender's head job is expected to take. Asked only while draining.
 */
export interface DrainView<C extends Contender = Contender> {
  lastFinishAt(): number;
  serviceMs(c: C): number;
}

export function emptyRunningView(): RunningView {
  // Spelled out: the forecast builds one per run, and Object.fromEntries cost more than the rest of a short forecast.
  return { total: 0, byLane: { interactive: 0, batch: 0, background: 0 }, byOwner: new Map() };
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
  const { best, other, overdue } = scan;
  best.reset();
  other.reset();
  overdue.reset();
  const any = heads.interactive.length > 0 || heads.batch.length > 0 || heads.background.length > 0;
  const full = running.total >= params.slots || models.loading;
  const pendingTarget = models.switchingTo === null ? null : firstForModel(heads, models.switchingTo);
  const active = models.active;
  if (any && !full) {
    scan.running = running;
    scan.fair = fair as FairView;
    scan.ownerCap = params.maxRunningPerOwner;
    scan.active = active;
    scan.activeSince = models.activeSince;
    scan.agingMs = ages(params.agingMs) ? params.agingMs : 0;
    scan.switchBoundMs = params.switchBoundMs;
    scan.now = now;
    const caps = params.laneCaps;
    const byLane = running.byLane;
    if (byLane.interactive < caps.interactive) offerLane(heads.interactive);
    if (byLane.batch < caps.batch) offerLane(heads.batch);
    if (byLane.background < caps.background) offerLane(heads.background);
  }
  if (!any) return IDLE;
  if (full) return WAIT;
  const switchTarget = (pendingTarget ??
    (active === null ? other.c : (overdue.c ?? (best.c === null ? other.c : null)))) as C | null;
  if (switchTarget !== null) {
    // Never switch under someone else's generation: drain first. Only work expected to end
    // before the last in-flight request starts meanwhile (it delays the switch by nothing).
    const model = switchTarget.model;
    if (running.total === 0) return { type: 'switch', model };
    const next = best.c as C | null;
    if (next !== null && drain !== undefined && now + BACKFILL_MARGIN * drain.serviceMs(next) <= drain.lastFinishAt()) {
      return { type: 'backfill', candidate: next, model };
    }
    return { type: 'drain', model };
  }
  return best.c === null ? WAIT : { type: 'run', candidate: best.c as C };
}
