/**
 * The longest wait one timer is asked for. Node's timers hold 32 bits: a longer delay (a runAt
 * weeks ahead) fires at once, every millisecond, with a warning each time. A longer wait is a
 * chain of these; every caller re-arms when woken early.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Time as the engine sees it; tests drive a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
