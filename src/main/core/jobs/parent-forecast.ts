/**
 * The latest forecast as parent jobs need it, in one pass per forecast: the order without
 * children (the rows the Queue tab pages through), and per parent its first queued child and
 * the one forecast to finish last (its ETA).
 */
import type { Forecast } from '../eta/forecast';
import type { QueueNode } from '../scheduler/queue-index';

export interface ChildPlaces {
  first: QueueNode;
  last: QueueNode;
  lastFinishAt: number;
}

export interface ForecastSplit {
  forecast: Forecast;
  topLevel: readonly QueueNode[];
  byParent: ReadonlyMap<string, ChildPlaces>;
}

const NONE: ReadonlyMap<string, ChildPlaces> = new Map();

export function splitForecast(forecast: Forecast, anyParent: boolean): ForecastSplit {
  // Children are queued only while their parent is unfinished: without one, nothing to split.
  if (!anyParent) return { forecast, topLevel: forecast.order, byParent: NONE };
  const { order, finishAt } = forecast;
  const topLevel: QueueNode[] = [];
  const byParent = new Map<string, ChildPlaces>();
  // A parent's children mostly come one after another: the last one seen saves the Map lookup.
  let lastId: string | null = null;
  let lastSeen: ChildPlaces | undefined;
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    const id = node.parentId ?? null;
    if (id === null) {
      topLevel.push(node);
      continue;
    }
    const seen = id === lastId ? lastSeen : byParent.get(id);
    if (!seen) {
      lastSeen = { first: node, last: node, lastFinishAt: finishAt[i]! };
      byParent.set(id, lastSeen);
    } else {
      if (finishAt[i]! >= seen.lastFinishAt) {
        seen.last = node;
        seen.lastFinishAt = finishAt[i]!;
      }
      lastSeen = seen;
    }
    lastId = id;
  }
  return { forecast, topLevel, byParent };
}
