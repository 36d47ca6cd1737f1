/** How a retry delay grows: from `baseMs`, doubling per attempt, never above `maxMs`. */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter" (half
 * the step fixed, half random), so the delay still grows while a burst of failures (or many
 * clients losing one server) does not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const step = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
