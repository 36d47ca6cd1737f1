/**
 * When to try LM Studio again after it stopped answering: exponential, capped, with jitter so
 * several LM Queue instances (or restarts) do not probe in lockstep.
 */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffSettings = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before probe number `attempt` (1-based). "Equal jitter": half the exponential step is
 * fixed, half random, so the delay still grows while probes spread out.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random, settings: BackoffSettings = DEFAULT_RECONNECT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const step = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
