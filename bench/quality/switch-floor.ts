/**
 * The fewest model loads that any schedule could make on a day whose two models do not fit
 * together, if its interactive p95 wait is to stay within a limit. A floor, not a plan: it is
 * optimistic on purpose, so a policy's loads can be read against it. It assumes a chat starts the
 * moment its model is resident and needs no time there (nothing in flight ever delays a switch),
 * a load takes `loadSeconds` with nothing resident, and the batch and background work ask for no
 * switch of their own. Each chat then needs its model resident at some moment within
 * `waitLimitSeconds` of its arrival, all but the few that the p95 lets wait longer.
 *
 * Exact under those assumptions: a switch is never made before it is forced (by the earliest
 * chat waiting for the other model), since a later switch keeps every option an earlier one has;
 * which chats wait longer is searched over, by dynamic programming over the chats in arrival order.
 */

export interface FloorChat {
  arrivalSeconds: number;
  model: string;
}

export interface SwitchFloorOptions {
  /** The model resident when the day starts. */
  initialModel: string;
  waitLimitSeconds: number;
  loadSeconds: number;
  /** How many chats may wait longer than the limit (see `lateAllowedByP95`). */
  lateAllowed: number;
}

/**
 * How many of `count` waits may exceed a limit with the p95 (percentile.ts's interpolated one)
 * still within it, counted generously: every wait above the p95's lower rank.
 */
export function lateAllowedByP95(count: number): number {
  if (count === 0) return 0;
  return count - 1 - Math.floor(0.95 * (count - 1));
}

/** One state of the search: the model resident (or being loaded), and when the earliest chat waiting for the other one must have it. */
interface State {
  model: string;
  /** The latest moment the switch can start for the waiting chats (Infinity: none waits). */
  switchBy: number;
  /** When the last load is done: the next switch cannot start before it. */
  loadedAt: number;
  late: number;
}

/** The floor for `chats`; Infinity when no schedule can keep the limit (a wait shorter than a load, say). */
export function fewestLoads(chats: readonly FloorChat[], options: SwitchFloorOptions): number {
  const models = new Set([options.initialModel, ...chats.map((c) => c.model)]);
  if (models.size > 2) throw new Error(`the floor is for two models that do not fit together, got ${[...models].join(', ')}`);
  const [first, second = first] = [...models];
  const other = (model: string): string => (model === first ? second! : first!);
  const ordered = [...chats].sort((a, b) => a.arrivalSeconds - b.arrivalSeconds);
  const slack = options.waitLimitSeconds - options.loadSeconds;

  // Fewest loads so far per state; states equal in model, deadline and lateness are merged.
  let states = new Map<string, { state: State; loads: number }>();
  const keep = (next: typeof states, state: State, loads: number): void => {
    const key = `${state.model}|${state.switchBy}|${state.loadedAt}|${state.late}`;
    const known = next.get(key);
    if (known === undefined || loads < known.loads) next.set(key, { state, loads });
  };
  keep(states, { model: options.initialModel, switchBy: Infinity, loadedAt: 0, late: 0 }, 0);

  for (const chat of ordered) {
    const next = new Map<string, { state: State; loads: number }>();
    for (let { state, loads } of states.values()) {
      // A switch forced before this chat arrives: the waiting chats get their model, and the
      // chat then finds that model resident (or being loaded, which its wait allows).
      if (state.switchBy < chat.arrivalSeconds) {
        state = { model: other(state.model), switchBy: Infinity, loadedAt: state.switchBy + options.loadSeconds, late: state.late };
        loads += 1;
      }
      if (chat.model === state.model) {
        keep(next, state, loads);
        continue;
      }
      const deadline = chat.arrivalSeconds + slack;
      // Waiting for its model in time, if a load can still fit its wait: it may bring the switch forward.
      if (deadline >= Math.max(chat.arrivalSeconds, state.loadedAt)) keep(next, { ...state, switchBy: Math.min(state.switchBy, deadline) }, loads);
      // Or one of the few that wait longer: it asks for no switch.
      if (state.late < options.lateAllowed) keep(next, { ...state, late: state.late + 1 }, loads);
    }
    states = next;
  }
  let best = Infinity;
  for (const { state, loads } of states.values()) best = Math.min(best, loads + (state.switchBy < Infinity ? 1 : 0));
  return best;
}

/** The floor for a workload's interactive jobs, with the model resident at its start, at a given wait limit. */
export function loadsFloorOf(jobs: readonly { lane: string; arrivalSeconds: number; model: string }[], initialModel: string, loadSeconds: number): (waitLimitSeconds: number) => number {
  const chats = jobs.filter((j) => j.lane === 'interactive');
  return (waitLimitSeconds) => fewestLoads(chats, { initialModel, waitLimitSeconds, loadSeconds, lateAllowed: lateAllowedByP95(chats.length) });
}
