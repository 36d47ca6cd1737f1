/**
 * Cuts a request that stops making progress: no first chunk in time, a stream that goes quiet,
 * or one that simply takes too long. It aborts the request and says which limit was hit.
 */
import { linkAbort } from './abort-link';
import { BackendError, isBackendError } from './errors';
import { errorFromThrown, type FailureContext } from './failure-classifier';

export interface RequestTimeouts {
  /** From sending until the first chunk (streams) or the answer (non-streaming). */
  firstTokenMs: number;
  /** Longest silence between two chunks of a stream. */
  idleMs: number;
  totalMs: number;
}

export interface Watchdog {
  /** Pass to the request: aborts on the caller's signal or on any timeout. */
  readonly signal: AbortSignal;
  /** Call on every chunk: clears the first-token timer and restarts the idle timer. */
  progress(): void;
  /** The error to throw for a failure seen while this watchdog ran (timeout, abort, or classified). */
  failure(error: unknown): BackendError;
  /**
   * Stops the timers and lets go of the caller's signal. It does not abort: a finished answer may
   * still be draining into its keep-alive socket; the caller destroys what it abandons.
   */
  dispose(): void;
}

/** `callerSignals`: aborting any of them cancels the request (the job's, the client's close). */
export function startWatchdog(timeouts: RequestTimeouts, callerSignals: readonly AbortSignal[], ctx: FailureContext): Watchdog {
  const link = linkAbort(callerSignals);
  const { controller, signal } = link;
  let fired: BackendError | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let sawChunk = false;

  const fire = (error: BackendError): void => {
    if (fired || controller.signal.aborted) return;
    fired = error;
    controller.abort(error);
  };
  const timer = (ms: number, describe: () => string): NodeJS.Timeout =>
    setTimeout(() => fire(new BackendError('timeout', `${describe()} (LM Studio at ${ctx.url}, ${ctx.operation})`)), ms);

  const totalTimer = timer(timeouts.totalMs, () => `Gave up after ${timeouts.totalMs} ms in total`);
  let firstTimer: NodeJS.Timeout | null = timer(timeouts.firstTokenMs, () => `No first token within ${timeouts.firstTokenMs} ms`);

  return {
    signal,
    progress() {
      if (!sawChunk) {
        sawChunk = true;
        if (firstTimer) clearTimeout(firstTimer);
        firstTimer = null;
      }
      // Restarting one timer per chunk is cheaper than a new one per chunk.
      if (idleTimer) idleTimer.refresh();
      else idleTimer = timer(timeouts.idleMs, () => `The stream stalled: no data for ${timeouts.idleMs} ms`);
    },
    failure(error) {
      if (fired) return fired;
      if (callerSignals.some((s) => s.aborted)) {
        return new BackendError('aborted', `Canceled the ${ctx.operation} (LM Studio at ${ctx.url})`, { cause: error });
      }
      return isBackendError(error) ? error : errorFromThrown(error, ctx);
    },
    dispose() {
      clearTimeout(totalTimer);
      if (firstTimer) clearTimeout(firstTimer);
      if (idleTimer) clearTimeout(idleTimer);
      link.unlink();
    },
  };
}
