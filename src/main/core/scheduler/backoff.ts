import { backoffDelayMs } from '../../../shared/backoff';

/** Delay before retry number `attempt` (1-based) of a failed job; see `backoffDelayMs`. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, { baseMs, maxMs }, random);
}
