/**
 * The models LM Studio holds, as the policy sees them: which are resident with how many slots,
 * what each takes of the memory budget, which are pinned, and a room-making in progress. Pure
 * data and functions: the dispatcher keeps one view in step with LM Studio, the forecast copies
 * it and plays it forward.
 */

export interface ModelView {
  /** Resident models and their parallel slots (all instances together). */
  resident: Map<string, number>;
  /** Slots a model gets once loaded (what it had last time, else the default). */
  slotsIfLoaded(model: string): number;
  /** Memory a model takes when loaded (bytes). */
  sizeOf(model: string): number;
  budgetBytes: number;
  pinned: ReadonlySet<string>;
  /** When each model last started or finished a request (least recently used goes first). */
  lastUsedAt: Map<string, number>;
  /** A load or unload under way (one at a time), or a failed one's retry wait: nothing else loads or unloads meanwhile. */
  busy: boolean;
  /** The model being loaded and since when (the forecast expects it resident after its load time). */
  loading: { model: string; since: number } | null;
  /** Whether a model can be loaded beside others (LM Studio's REST load endpoint). */
  canLoadAlongside: boolean;
  /**
   * A decided room-making: `victims` start nothing new (backfill aside) and are unloaded once
   * their in-flight requests are done; then `model` is loaded.
   */
  making: RoomMaking | null;
  /** When the last load finished: work for a missing model waits its bound from here at most. */
  roomMadeAt: number;
}

export interface RoomMaking {
  model: string;
  victims: readonly string[];
  /** The victims' batch and background requests up to this priority were sent back for interactive work (see `Decision`). */
  preempt?: number | null;
}

export function usedBytes(models: ModelView): number {
  let used = 0;
  for (const model of models.resident.keys()) used += models.sizeOf(model);
  return used;
}

/** Whether `model` can be loaded beside the resident set without passing the budget. */
export function fits(models: ModelView, model: string): boolean {
  if (!models.canLoadAlongside) return models.resident.size === 0;
  return usedBytes(models) + models.sizeOf(model) <= models.budgetBytes;
}

/**
 * The resident models to unload so that `model` fits: idle ones before busy ones, those with no
 * queued work before those with some, then least recently used; never a pinned one. Null when
 * even unloading every unpinned model leaves no room. Without a load API every resident model is
 * a victim: LM Studio's own auto-evict decides, so nothing may be in flight on any of them.
 */
export function chooseVictims(
  models: ModelView,
  model: string,
  inFlight: (model: string) => number,
  hasQueued: (model: string) => boolean,
): string[] | null {
  if (!models.canLoadAlongside) return [...models.resident.keys()];
  const need = models.sizeOf(model);
  let free = models.budgetBytes - usedBytes(models);
  const candidates = [...models.resident.keys()]
    .filter((m) => m !== model && !models.pinned.has(m))
    .map((m) => ({ m, busy: inFlight(m) > 0 ? 1 : 0, queued: hasQueued(m) ? 1 : 0, used: models.lastUsedAt.get(m) ?? 0 }))
    .sort((a, b) => a.busy - b.busy || a.queued - b.queued || a.used - b.used);
  const victims: string[] = [];
  for (const c of candidates) {
    if (free >= need) break;
    victims.push(c.m);
    free += models.sizeOf(c.m);
  }
  return free >= need ? victims : null;
}

export function copyModelView(models: ModelView): ModelView {
  return { ...models, resident: new Map(models.resident), lastUsedAt: new Map(models.lastUsedAt) };
}

export interface ModelViewInit {
  /** Resident models and their slots. */
  resident?: Record<string, number>;
  /** Model sizes in bytes (default 1 each). */
  sizes?: Record<string, number>;
  /** Default: room for every resident model and one more of the largest. */
  budgetBytes?: number;
  pinned?: readonly string[];
  canLoadAlongside?: boolean;
  slotsIfLoaded?: number;
  roomMadeAt?: number;
}

/** A fixed view (forecasts without a live LM Studio: tests and benchmarks). */
export function modelViewOf(init: ModelViewInit = {}): ModelView {
  const sizes = init.sizes ?? {};
  const sizeOf = (model: string): number => sizes[model] ?? 1;
  const resident = new Map(Object.entries(init.resident ?? {}));
  const largest = Math.max(1, ...Object.values(sizes));
  return {
    resident,
    slotsIfLoaded: () => init.slotsIfLoaded ?? 4,
    sizeOf,
    budgetBytes: init.budgetBytes ?? [...resident.keys()].reduce((sum, m) => sum + sizeOf(m), largest),
    pinned: new Set(init.pinned ?? []),
    lastUsedAt: new Map(),
    busy: false,
    loading: null,
    canLoadAlongside: init.canLoadAlongside ?? true,
    making: null,
    roomMadeAt: init.roomMadeAt ?? 0,
  };
}
