/**
 * A stored job as the API shows it, with what only memory knows: its place in the latest
 * forecast (position, ETA and range), and progress while it runs. Owns the forecaster and the
 * ETA calibration, which learns from each job's first prediction and its actual start.
 */
import { isParentKind, type Job } from '../../shared/job';
import { EtaCalibration } from './eta/eta-calibration';
import { Forecaster, type ForecasterDeps } from './eta/forecaster';
import { toJobView } from './job-view';
import type { JobRecord } from './store/job-record';

/** What the forecaster needs; the views own its calibration. */
export type LiveJobViewsDeps = Omit<ForecasterDeps, 'calibration'>;

export class LiveJobViews {
  readonly calibration = new EtaCalibration();
  readonly forecaster: Forecaster;
  /** Fills in a parent job's view from its children (set by the engine; jobs/parent-jobs.ts). */
  parentView: ((record: JobRecord, job: Job) => Job) | null = null;

  constructor(private readonly deps: LiveJobViewsDeps) {
    this.forecaster = new Forecaster({ ...deps, calibration: this.calibration });
  }

  view(record: JobRecord): Job {
    const { index, dispatcher, clock } = this.deps;
    const node = index.get(record.seq);
    const place = node ? this.forecaster.placeOf(node) : null;
    // A job the forecast has not placed yet gets a quick place until the next forecast.
    const provisionalPosition = node && !place ? index.countAhead(node) + 1 : 1;
    const provisionalStartAt = this.forecaster.startAtPosition(provisionalPosition) ?? clock.now();
    // The first forecast to place a job (not a quick provisional place) is the prediction judged.
    if (record.state === 'queued' && place && record.attempts === 0 && (record.runAt === null || record.runAt <= record.createdAt)) {
      this.calibration.predicted(record.seq, record.lane, record.priority, record.createdAt, place.rawStartAt - record.createdAt, place.position, place.startAt - record.createdAt);
    }
    const job = toJobView(record, { place, run: dispatcher.running.get(record.seq), provisionalPosition, provisionalStartAt, now: clock.now() });
    return this.parentView ? this.parentView(record, job) : job;
  }

  /**
   * Reads recompute positions when that is cheap. A submission does so only within a CPU budget
   * (`budgeted`): under a burst, new jobs show a provisional place until the next forecast.
   */
  viewFresh(record: JobRecord, budgeted = false): Job {
    // A running parent's ETA is its queued children's.
    const placed = record.state === 'queued' || (record.state === 'running' && isParentKind(record.kind));
    if (placed && (budgeted ? this.forecaster.affordable() : this.forecaster.cheap)) this.forecaster.current();
    return this.view(record);
  }

  /** A job changed: a start is learned from; a job that left the queue without starting is forgotten. */
  noteChange(seq: number): void {
    const run = this.deps.dispatcher.running.get(seq);
    if (run) this.calibration.started(seq, run.startedAt);
    else if (!this.deps.index.get(seq)) this.calibration.forget(seq);
  }
}
