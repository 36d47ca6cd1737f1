import type { RunningJob } from '../scheduler/running-job';

/** Tokens a running job is expected to generate (never fewer than it already has). */
export function expectedTokens(run: RunningJob): number {
  return Math.max(run.estimate.outputTokens, run.tokens, 1);
}

/**
 * Milliseconds a running job still needs: from its own pace once tokens are flowing, else what
 * is left of its estimate.
 */
export function remainingMs(run: RunningJob, now: number): number {
  const elapsed = now - run.startedAt;
  const remaining =
    run.tokens > 0 ? (elapsed / run.tokens) * (expectedTokens(run) - run.tokens) : run.estimate.serviceMs - elapsed;
  return Math.max(0, remaining);
}
