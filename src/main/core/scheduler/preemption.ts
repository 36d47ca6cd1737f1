/**
 * Which in-flight requests a room-making for interactive work may send back to the queue instead
 * of waiting for them (their attempt refunded, their place kept). Pure, so the bound on thrown
 * away output can be tested on its own.
 */
import type { QueuedEntry } from '../store/job-record';
import type { RunningJob } from './running-job';

/** The most output a preempted batch request may have produced. */
export const PREEMPT_MAX_TOKENS = 256;
/** Background requests answer long and nobody waits on them: they may be preempted later in their answer. */
export const PREEMPT_MAX_BACKGROUND_TOKENS = 2048;
/** Answers of a group needed before its typical length is trusted to say that one ends soon. */
export const ENDS_SOON_MIN_SAMPLES = 3;

function preemptBound(lane: QueuedEntry['lane']): number {
  return lane === 'background' ? PREEMPT_MAX_BACKGROUND_TOKENS : PREEMPT_MAX_TOKENS;
}

/**
 * Whether `run`, on a model being unloaded for interactive work, goes back to the queue: never an
 * interactive request or one a listener reads live, never one past its lane's bound of output
 * (that bounds the tokens thrown away), and not one that ends soon: more than half way through
 * its expected output with fewer than PREEMPT_MAX_TOKENS to go (waiting for it costs the switch
 * less than its tokens are worth), where that expectation rests on ENDS_SOON_MIN_SAMPLES answers
 * of its own group: one short first answer said nothing of the 2,000-token ones after it. One
 * already past its expected output has no known end, so it counts as holding the switch.
 */
export function preemptible(run: RunningJob): boolean {
  if (run.abortReason !== null || run.entry.lane === 'interactive' || run.streamedToListener) return false;
  if (run.tokens > preemptBound(run.entry.lane)) return false;
  const expected = run.estimate.outputTokens;
  const endsSoon =
    run.estimate.outputSamples >= ENDS_SOON_MIN_SAMPLES && run.tokens > expected / 2 && run.tokens < expected && expected - run.tokens < PREEMPT_MAX_TOKENS;
  return !endsSoon;
}
