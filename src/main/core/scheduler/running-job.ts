import type { RunStage } from '../backend';
import type { ServiceEstimate } from '../eta/service-model';
import type { QueuedEntry } from '../store/job-record';
import type { ClaimedJob } from '../store/job-store';

/** A job the dispatcher has claimed and sent (or is about to send) to LM Studio. */
export interface RunningJob {
  entry: QueuedEntry;
  /** What the claim read back from the store: sent once the claim is committed. */
  claim: ClaimedJob;
  startedAt: number;
  /** Requests in flight on LM Studio when it started, itself included. */
  concurrency: number;
  estimate: ServiceEstimate;
  /** Generated tokens so far (streamed). */
  tokens: number;
  /**
   * When the first tokens arrived, and how many came with them (null: none yet). The run's own
   * pace is measured from here: the time before it went to reading the prompt, and a pace taken
   * from the start would make a long prompt's answer look hundreds of times longer than it is.
   */
  firstTokens: { at: number; tokens: number } | null;
  /** What LM Studio said it is doing before the first token, where it says (native chat). */
  stage?: RunStage;
  /** Output already went to a live listener: a retry would send it twice, so none happens. */
  streamedToListener: boolean;
  controller: AbortController;
  /** Why we aborted it: canceled, our shutdown, or preempted to make room for interactive work. */
  abortReason: 'canceled' | 'shutdown' | 'preempted' | null;
  /** Resolves once the outcome is committed. */
  done: Promise<void>;
  settle: () => void;
}

/** A run as it starts: nothing generated or aborted yet; `settle` resolves `done`. */
export function startRun(entry: QueuedEntry, claim: ClaimedJob, startedAt: number, concurrency: number, estimate: ServiceEstimate): RunningJob {
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => (settle = resolve));
  return { entry, claim, startedAt, concurrency, estimate, tokens: 0, firstTokens: null, streamedToListener: false, controller: new AbortController(), abortReason: null, done, settle };
}
