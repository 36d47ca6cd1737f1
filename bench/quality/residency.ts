/**
 * Where a run's slot-time went: the timeline cut into spans by what was resident (or loading),
 * and each span's seconds counted by how many requests held a slot. A policy that loses
 * utilization shows here whether it lost it to loads, to drains, or to a model kept resident
 * half empty. Pure, in simulated seconds, like metrics.ts.
 */
import type { Interval } from './metrics';

/** What LM Studio held during a span: the resident models joined by '+', 'loading X' while a load runs, or 'none'. */
export interface ResidencySpan extends Interval {
  state: string;
}

/** A load (from its start to its end) or an unload (at one moment), in simulated seconds. */
export type ResidencyEvent = { type: 'load'; model: string; start: number; end: number } | { type: 'unload'; model: string; at: number };

/** The residency timeline over [0, end), from the models resident at the first event and every load and unload since. */
export function residencySpans(initial: readonly string[], events: readonly ResidencyEvent[], end: number): ResidencySpan[] {
  // Each load becomes two steps: it starts (shown as loading) and its model becomes resident.
  const steps: { at: number; kind: 'loading' | 'loaded' | 'unloaded'; model: string }[] = [];
  for (const e of events) {
    if (e.type === 'unload') steps.push({ at: e.at, kind: 'unloaded', model: e.model });
    else steps.push({ at: e.start, kind: 'loading', model: e.model }, { at: e.end, kind: 'loaded', model: e.model });
  }
  steps.sort((a, b) => a.at - b.at);
  const resident = new Set(initial);
  let loading: string | null = null;
  const spans: ResidencySpan[] = [];
  const stateNow = (): string => (loading !== null ? `loading ${loading}` : resident.size > 0 ? [...resident].sort().join('+') : 'none');
  let from = 0;
  let state = stateNow();
  for (const step of steps) {
    if (step.kind === 'loading') loading = step.model;
    else if (step.kind === 'unloaded') resident.delete(step.model);
    else {
      resident.add(step.model);
      if (loading === step.model) loading = null;
    }
    const next = stateNow();
    if (next === state) continue;
    if (step.at > from && from < end) spans.push({ state, start: from, end: Math.min(step.at, end) });
    from = Math.max(from, step.at);
    state = next;
  }
  if (end > from) spans.push({ state, start: from, end });
  return spans;
}

/**
 * Seconds per state at each occupancy: `result.get(state)[n]` is how long `n` requests held a
 * slot in that state (the last entry counts `slots` or more).
 */
export function occupancyByResidency(spans: readonly ResidencySpan[], busy: readonly Interval[], slots: number): Map<string, number[]> {
  const edges: { at: number; delta: number }[] = [];
  for (const b of busy) if (b.end > b.start) edges.push({ at: b.start, delta: 1 }, { at: b.end, delta: -1 });
  // Ends before starts at the same moment: a slot handed straight on is not two requests at once.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const result = new Map<string, number[]>();
  let e = 0;
  let active = 0;
  for (const span of spans) {
    const row = result.get(span.state) ?? new Array<number>(slots + 1).fill(0);
    result.set(span.state, row);
    while (e < edges.length && edges[e]!.at <= span.start) active += edges[e++]!.delta;
    let t = span.start;
    while (e < edges.length && edges[e]!.at < span.end) {
      row[Math.min(slots, active)]! += edges[e]!.at - t;
      t = edges[e]!.at;
      active += edges[e++]!.delta;
    }
    row[Math.min(slots, active)]! += span.end - t;
  }
  return result;
}
