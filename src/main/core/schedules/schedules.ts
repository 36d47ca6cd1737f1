/**
 * Cron schedules that make ordinary jobs. Each run time is handled once: the schedule's
 * `last_fire_at` moves to it in the same transaction that inserts its job, so neither a
 * restart nor a kill -9 at the moment of firing can make that time fire again.
 */
import type Database from 'better-sqlite3';
import { LmqError, isLmqError } from '../../../shared/errors';
import type { Job, JobState, SubmitJobRequest } from '../../../shared/job';
import { DEFAULT_PRIORITY, priorityLabel } from '../../../shared/priority';
import type { CreateScheduleRequest, Schedule, ScheduledParentKind, ScheduleJobRequest, UpdateScheduleRequest } from '../../../shared/schedule';
import { MAX_TIMER_MS, type Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { SubmitOptions } from '../engine-api';
import { JOB_KIND_DEFINITIONS } from '../jobs/job-kinds';
import type { TokenStore } from '../store/token-store';
import { hostTimeZone, isoInZone, latestRunBetween, nextRunAfter, nextRunsAfter } from './cron-plan';
import { ScheduleStore, type ScheduleJobTemplate, type ScheduleRecord } from './schedule-store';

const SHOWN_NEXT_RUNS = 5;
/** The owner of work made without a token (the desktop user, unauthenticated loopback). */
const LOCAL_OWNER = 'local';
const RETRY_AFTER_WRITE_FAILURE_MS = 5_000;

function requirePriorityAllowed(priority: number, caller: ScheduleCreator): void {
  if (priority > caller.maxPriority) {
    throw new LmqError(
      'priority_not_allowed',
      `priority ${priorityLabel(priority)} is above your highest allowed priority ${priorityLabel(caller.maxPriority)}`,
    );
  }
}

/** Keeps the field's place in a message about a schedule's job: "job.input: ...". */
function withinJob<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!isLmqError(error)) throw error;
    throw new LmqError(error.code, `job.${error.message}`);
  }
}

/** A schedule's job as given, with the defaults resolved: the background lane (batch for a batch), normal priority. */
function jobTemplate(job: ScheduleJobRequest, creator: ScheduleCreator, parents: () => ScheduledParentMakers): ScheduleJobTemplate {
  // As for a submitted job: a ceiling below normal gets its ceiling, not a 403 it never asked for.
  const priority = job.priority ?? Math.min(DEFAULT_PRIORITY, creator.maxPriority);
  requirePriorityAllowed(priority, creator);
  const metadata = job.metadata ?? null;
  // Checked now, as a submission's would be: a body every run would refuse is the creator's to fix, not a nightly failure.
  if (job.kind === 'batch' || job.kind === 'index') {
    withinJob(() => parents()[job.kind].check(job.input, { ...creator, role: creator.role ?? 'member' }));
    return { kind: job.kind, model: '', input: job.input, priority, lane: 'batch', metadata };
  }
  withinJob(() => JOB_KIND_DEFINITIONS[job.kind].validate(job.input));
  return { kind: job.kind, model: job.model, input: job.input, priority, lane: job.lane ?? 'background', metadata };
}

/** Who a run acts as: the schedule's owner, with the role and ceiling their token has now. */
export interface ScheduleOwner {
  owner: string;
  role: 'admin' | 'member';
  maxPriority: number;
}

/** Makes a parent kind's job for a schedule: a batch through the Batch API, a re-index through the indexes. */
export interface ScheduledParentMaker {
  /** At creation and edit: the input is one this creator could run (the file exists and is theirs). */
  check(input: Record<string, unknown>, creator: ScheduleOwner): void;
  /** One run's job, inside the fire's transaction; `jobMetadata` goes on the job (the schedule's name). */
  make(template: ScheduleJobTemplate, owner: ScheduleOwner, jobMetadata: Record<string, unknown>): Job;
}
export type ScheduledParentMakers = Record<ScheduledParentKind, ScheduledParentMaker>;

export interface SchedulesOptions {
  db: Database.Database;
  /** The job store's transaction: the fire record and the job insert commit together. */
  transaction<T>(fn: () => T): T;
  submit(request: SubmitJobRequest, options: SubmitOptions): Job;
  jobState(id: string): JobState | null;
  /** Bound lazily: the layers that make parent jobs are built after the schedules. */
  parents: () => ScheduledParentMakers;
  tokens(): TokenStore;
  clock: Clock;
  logger: EngineLogger;
}

/** Who creates a schedule: its owner, and the highest priority it may ask for. */
export interface ScheduleCreator {
  owner: string;
  maxPriority: number;
  /** Default member: what a parent kind's input may refer to (another owner's file is an admin's only). */
  role?: 'admin' | 'member';
}

export class Schedules {
  private readonly store: ScheduleStore;
  private readonly timers = new Map<string, unknown>();
  private running = false;

  constructor(private readonly options: SchedulesOptions) {
    this.store = new ScheduleStore(options.db);
  }

  /** Catches up (per schedule) on runs missed while stopped, then arms every enabled schedule. */
  start(): void {
    this.running = true;
    const now = this.options.clock.now();
    for (const record of this.store.all()) {
      if (!record.enabled) continue;
      // One unreadable schedule (an expression a newer croner refuses) must not stop the engine.
      try {
        const missed = latestRunBetween(record, record.lastFireAt, now);
        if (missed !== null) {
          if (record.catchUp === 'once') this.runScheduled(record, missed);
          else this.recordMissed(record.name, missed);
        }
        this.arm(record.name);
      } catch (error) {
        this.options.logger.error({ schedule: record.name, err: (error as Error).message }, 'schedule not started');
      }
    }
  }

  stop(): void {
    this.running = false;
    for (const name of [...this.timers.keys()]) this.disarm(name);
  }

  list(): Schedule[] {
    return this.store.all().map((r) => this.view(r));
  }

  get(name: string): Schedule {
    return this.view(this.mustGet(name));
  }

  /** The record as stored (owner checks in the API layer read it). */
  owner(name: string): string {
    return this.mustGet(name).owner;
  }

  create(request: CreateScheduleRequest, creator: ScheduleCreator): Schedule {
    if (this.store.get(request.name)) throw new LmqError('invalid_state', `a schedule named ${request.name} exists already`);
    const job = jobTemplate(request.job, creator, this.options.parents);
    const now = this.options.clock.now();
    this.store.insert({
      name: request.name,
      owner: creator.owner,
      cron: request.cron,
      timezone: request.timezone ?? hostTimeZone(),
      enabled: request.enabled,
      overlap: request.overlap,
      catchUp: request.catchUp,
      job,
      createdAt: now,
      // Runs start after creation.
      lastFireAt: now,
    });
    this.arm(request.name);
    return this.get(request.name);
  }

  /** `editor`: who changes it (its priority cap applies to a new job template). */
  update(patch: UpdateScheduleRequest, editor: ScheduleCreator): Schedule {
    const record = this.mustGet(patch.name);
    const now = this.options.clock.now();
    const next: ScheduleRecord = {
      ...record,
      cron: patch.cron ?? record.cron,
      timezone: patch.timezone ?? record.timezone,
      enabled: patch.enabled ?? record.enabled,
      overlap: patch.overlap ?? record.overlap,
      catchUp: patch.catchUp ?? record.catchUp,
      job: patch.job ? jobTemplate(patch.job, editor, this.options.parents) : record.job,
      updatedAt: now,
    };
    // A new timing, or enabling again, owes nothing from before now.
    const retimed = next.cron !== record.cron || next.timezone !== record.timezone || (next.enabled && !record.enabled);
    if (retimed) next.lastFireAt = Math.max(record.lastFireAt, now);
    this.store.update(next);
    this.arm(next.name);
    return this.view(next);
  }

  remove(name: string): void {
    if (!this.store.remove(name)) throw new LmqError('not_found', `no schedule named ${name}`);
    this.disarm(name);
  }

  /** Run now: one job at once, whatever the overlap policy; limits refuse it as they would a submission. */
  runNow(name: string): Job {
    const record = this.mustGet(name);
    return this.options.transaction(() => {
      const job = this.submitFor(record);
      this.store.record(name, { kind: 'manual', jobId: job.id, at: this.options.clock.now() });
      return job;
    });
  }

  private mustGet(name: string): ScheduleRecord {
    const record = this.store.get(name);
    if (!record) throw new LmqError('not_found', `no schedule named ${name}`);
    return record;
  }

  private disarm(name: string): void {
    const timer = this.timers.get(name);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    this.timers.delete(name);
  }

  /** `minDelayMs`: after a failed write, so a time that could not be recorded is not retried in a tight loop. */
  private arm(name: string, minDelayMs = 0): void {
    this.disarm(name);
    const record = this.store.get(name);
    if (!this.running || !record?.enabled) return;
    const next = nextRunAfter(record, record.lastFireAt);
    if (next === null) return;
    const delay = Math.min(Math.max(minDelayMs, next - this.options.clock.now()), MAX_TIMER_MS);
    this.timers.set(name, this.options.clock.setTimeout(() => this.onTimer(name), delay));
  }

  private onTimer(name: string): void {
    this.timers.delete(name);
    const record = this.store.get(name);
    if (!this.running || !record?.enabled) return;
    // The latest time due, once: a timer woken late (sleep, a busy loop) does not replay each one.
    const due = latestRunBetween(record, record.lastFireAt, this.options.clock.now());
    const recorded = due === null || this.runScheduled(record, due);
    this.arm(name, recorded ? 0 : RETRY_AFTER_WRITE_FAILURE_MS);
  }

  private recordMissed(name: string, at: number): void {
    this.options.transaction(() => {
      if (this.store.claimTime(name, at)) this.store.record(name, { kind: 'missed' });
    });
  }

  /**
   * Handles run time `at`: a job, a skip or a refusal, recorded with the time in one transaction.
   * False when nothing could be written (the time stays due).
   */
  private runScheduled(record: ScheduleRecord, at: number): boolean {
    const now = this.options.clock.now();
    const { name } = record;
    try {
      this.options.transaction(() => {
        if (!this.store.claimTime(name, at)) return;
        if (record.overlap === 'skip' && this.previousStillActive(record)) {
          this.store.record(name, { kind: 'skipped' });
          return;
        }
        try {
          const job = this.submitFor(record);
          this.store.record(name, { kind: 'fired', jobId: job.id, at: now });
        } catch (error) {
          // Refused before anything was written (limits, unknown model, queue full): the time stays handled.
          if (!isLmqError(error)) throw error;
          this.store.record(name, { kind: 'failed', error: { code: error.code, message: error.message }, at: now });
          this.options.logger.warn({ schedule: name, code: error.code, err: error.message }, 'a scheduled run made no job');
        }
      });
      return true;
    } catch (error) {
      this.options.logger.error({ schedule: name, err: (error as Error).message }, 'a scheduled run could not be recorded; retrying');
      return false;
    }
  }

  private previousStillActive(record: ScheduleRecord): boolean {
    if (record.lastJobId === null) return false;
    const state = this.options.jobState(record.lastJobId);
    return state === 'queued' || state === 'running';
  }

  /** The owner's role and limits as they are now: a revoked token makes no more jobs. */
  private ownerLimits(owner: string): (ScheduleOwner & { maxQueued: number | null }) | null {
    const token = this.options.tokens().list().find((t) => t.name === owner);
    if (token) return { owner, role: token.role === 'admin' ? 'admin' : 'member', maxPriority: token.maxPriority, maxQueued: token.maxQueued };
    return owner === LOCAL_OWNER ? { owner, role: 'admin', maxPriority: Number.POSITIVE_INFINITY, maxQueued: null } : null;
  }

  private submitFor(record: ScheduleRecord): Job {
    const limits = this.ownerLimits(record.owner);
    if (!limits) throw new LmqError('forbidden', `the token of ${record.owner}, who owns schedule ${record.name}, was revoked`);
    if (record.job.priority > limits.maxPriority) {
      throw new LmqError(
        'priority_not_allowed',
        `priority ${priorityLabel(record.job.priority)} is above ${record.owner}'s highest allowed priority ${priorityLabel(limits.maxPriority)}`,
      );
    }
    const { metadata, kind, ...job } = record.job;
    const scheduleMetadata = { ...metadata, schedule: record.name };
    if (kind === 'batch' || kind === 'index') return this.options.parents()[kind].make(record.job, limits, scheduleMetadata);
    return this.options.submit({ ...job, kind, metadata: scheduleMetadata }, { owner: record.owner, maxQueuedForOwner: limits.maxQueued });
  }

  private view(record: ScheduleRecord): Schedule {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const from = Math.max(record.lastFireAt, this.options.clock.now());
    return {
      name: record.name,
      owner: record.owner,
      cron: record.cron,
      timezone: record.timezone,
      enabled: record.enabled,
      overlap: record.overlap,
      catchUp: record.catchUp,
      job: record.job,
      nextRuns: record.enabled ? nextRunsAfter(record, from, SHOWN_NEXT_RUNS).map((ms) => isoInZone(ms, record.timezone)) : [],
      lastRunAt: iso(record.lastRunAt),
      lastJobId: record.lastJobId,
      lastError: record.lastError && { code: record.lastError.code, message: record.lastError.message, at: iso(record.lastError.at)! },
      runs: { fired: record.fired, skipped: record.skipped, missed: record.missed, failed: record.failed, manual: record.manual },
      createdAt: iso(record.createdAt)!,
      updatedAt: iso(record.updatedAt)!,
    };
  }
}
