import type { RunningJob } from '../scheduler/running-job';

/** Tokens a running job is expected to generate (never fewer than it already has). */
export function expectedTokens(run: RunningJob): number {
  return Math.max(run.estimate.outputTokens, run.tokens, 1);
}

/** Tokens past the first ones before a running job's own pace is trusted over its estimate. */
export const PACE_MIN_TOKENS = 16;

/**
 * Milliseconds a running job still needs: from its own generation pace once enough tokens have
 * flowed (counted from its first tokens, so reading the prompt is not taken for slow generation),
 * else what is left of its estimate.
 */
export function remainingMs(run: RunningJob, now: number): number {
  const first = run.firstTokens;
  const generated = first === null ? 0 : run.tokens - first.tokens;
  if (first !== null && generated >= PACE_MIN_TOKENS) {
    return Math.max(0, ((now - first.at) / generated) * (expectedTokens(run) - run.tokens));
  }
  return Math.max(0, run.estimate.serviceMs - (now - run.startedAt));
}
