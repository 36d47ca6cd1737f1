/**
 * How parent jobs are shown: a parent's row filled in with what its children say (counts,
 * progress, ETA from where its children sit in the latest forecast), or with what its owner's
 * layer says (an index's stage and place among waiting index jobs), and the forecast's order
 * without children (the queue as the Queue tab lists it).
 */
import { isParentKind, type Job, type ParentKind } from '../../../shared/job';
import type { Clock } from '../clock';
import type { Forecast } from '../eta/forecast';
import type { Forecaster, Place } from '../eta/forecaster';
import { remainingMs } from '../eta/running-estimate';
import type { QueueNode } from '../scheduler/queue-index';
import type { RunningJob } from '../scheduler/running-job';
import type { JobRecord } from '../store/job-record';
import type { ParentStore } from '../store/parent-store';
import type { ParentLedger } from './parent-ledger';
import { splitForecast, type ForecastSplit } from './parent-forecast';
import { parentJobView, type ParentTimes } from './parent-view';

/** A live parent's progress and position as its owner's layer sees them (null: as its children say). */
export type ParentDescriber = (job: Job) => Partial<Pick<Job, 'progress' | 'position' | 'eta'>> | null;

export interface ParentViewsDeps {
  ledger: ParentLedger;
  parentStore: ParentStore;
  forecaster: Forecaster;
  running: ReadonlyMap<number, RunningJob>;
  clock: Clock;
}

export class ParentViews {
  private readonly describers = new Map<ParentKind, ParentDescriber>();
  private split: ForecastSplit | null = null;

  constructor(private readonly deps: ParentViewsDeps) {}

  /**
   * A kind whose owner knows more than the children say (an index's stage, its place among
   * waiting index jobs) describes its live parents' progress and position itself.
   */
  describe(kind: ParentKind, describer: ParentDescriber): void {
    this.describers.set(kind, describer);
  }

  /** `job` is a parent's row as any job is shown; this fills in what its children say. */
  decorate(record: JobRecord, job: Job): Job {
    if (!isParentKind(record.kind)) return job;
    const { ledger, parentStore, clock } = this.deps;
    const live = ledger.get(record.id);
    if (live) {
      const view = parentJobView(job, record.kind, live.counts, live.sealed, this.times(record.id), clock.now());
      const own = this.describers.get(record.kind)?.(view);
      return own ? { ...view, ...own } : view;
    }
    const counts = parentStore.marks(record.seq)?.children ?? parentStore.childCounts(record.id);
    return parentJobView(job, record.kind, counts, true, { first: null, last: null, runningFinishAt: null }, clock.now());
  }

  /** The forecast's order without children, redone only with the forecast. */
  withoutChildren(forecast: Forecast): readonly QueueNode[] {
    return this.splitOf(forecast).topLevel;
  }

  private splitOf(forecast: Forecast): ForecastSplit {
    if (this.split?.forecast !== forecast) this.split = splitForecast(forecast, this.deps.ledger.size > 0);
    return this.split;
  }

  /** Where a parent's queued children are in the latest forecast, and when its running ones end. */
  private times(parentId: string): ParentTimes {
    const { forecaster, running, clock } = this.deps;
    const seen = this.splitOf(forecaster.latest).byParent.get(parentId);
    const now = clock.now();
    let runningFinishAt: number | null = null;
    for (const run of running.values()) {
      if (run.entry.parentId === parentId) runningFinishAt = Math.max(runningFinishAt ?? -Infinity, now + remainingMs(run, now));
    }
    const place = (node: QueueNode | undefined): Place | null => (node && node.alive ? forecaster.placeOf(node) : null);
    return { first: place(seen?.first), last: place(seen?.last), runningFinishAt };
  }
}
