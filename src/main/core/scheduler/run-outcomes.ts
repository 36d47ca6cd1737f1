/**
 * What a finished request means for its job: success (and the fair-share charge settled to what
 * was really served), a retry with backoff, or a failure; a run cut short by a cancel or by our
 * own shutdown is neither the job's success nor its fault.
 */
import { backoffDelayMs, type BackoffSettings } from '../../../shared/backoff';
import type { JobError, Usage } from '../../../shared/job';
import type { Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { BackendError } from '../lmstudio/errors';
import { serviceCost, type FairShare } from './fair-share';
import type { JobQueue } from './job-queue';
import type { RunningJob } from './running-job';

/** Attempts that never reached LM Studio are refunded, but not forever. */
const MAX_REFUNDS = 10;

export function jobError(error: BackendError): JobError {
  return { code: error.code, message: error.message, retryable: error.retryable };
}

export class RunOutcomes {
  private readonly refunds = new Map<number, number>();

  constructor(
    private readonly deps: {
      queue: JobQueue;
      fair: FairShare;
      clock: Clock;
      logger: EngineLogger;
      retry: BackoffSettings;
      random?: () => number;
    },
  ) {}

  succeeded(run: RunningJob, body: unknown, usage: Usage): void {
    const { entry, estimate } = run;
    this.deps.queue.succeed(entry.seq, this.deps.clock.now(), body, usage);
    // Fair share is charged an estimate at start; settle it to what was really served.
    const actual = serviceCost(usage.promptTokens, usage.completionTokens);
    this.deps.fair.charge(entry.owner, actual - serviceCost(estimate.promptTokens, estimate.outputTokens));
    this.refunds.delete(entry.seq);
  }

  failed(run: RunningJob, error: BackendError, now: number): void {
    const { queue, logger } = this.deps;
    const { entry } = run;
    if (run.abortReason === 'canceled') return; // the store already says canceled
    if (run.abortReason === 'shutdown') {
      queue.requeueAfterShutdown(entry.seq);
      return;
    }
    if (run.abortReason === 'preempted') {
      // Not the job's doing: back in its place, the attempt and the fair-share charge given back.
      queue.retryLater(entry, now, { code: 'preempted', message: 'sent back to the queue to make room for interactive work', retryable: true }, true, now);
      this.deps.fair.charge(entry.owner, -serviceCost(run.estimate.promptTokens, run.estimate.outputTokens));
      return;
    }
    const record = queue.store.getBySeq(entry.seq);
    if (!record || record.state !== 'running') return;
    const refunds = this.refunds.get(entry.seq) ?? 0;
    const refund = (error.code === 'unreachable' || error.code === 'model_loading' || error.code === 'unauthorized') && refunds < MAX_REFUNDS;
    const attemptsUsed = record.attempts - (refund ? 1 : 0);
    if (error.retryable && run.streamedToListener) {
      const message = `${error.message} (after part of the answer was streamed, so it is not retried)`;
      queue.failRunning(entry.seq, now, { ...jobError(error), message, retryable: false });
      logger.warn({ job: record.id, code: error.code }, 'streamed job failed mid-answer');
    } else if (error.retryable && attemptsUsed < record.maxAttempts) {
      if (refund) this.refunds.set(entry.seq, refunds + 1);
      const delay = backoffDelayMs(attemptsUsed + 1, this.deps.retry, this.deps.random);
      queue.retryLater(entry, now + delay, jobError(error), refund, now);
      logger.warn({ job: record.id, code: error.code, retryInMs: delay }, 'job failed; will retry');
    } else {
      queue.failRunning(entry.seq, now, jobError(error));
      this.refunds.delete(entry.seq);
      logger.warn({ job: record.id, code: error.code }, 'job failed');
    }
  }
}
