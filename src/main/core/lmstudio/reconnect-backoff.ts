/** When to probe LM Studio again after it stopped answering (see `backoffDelayMs`). */
import { backoffDelayMs, type BackoffSettings } from '../../../shared/backoff';

export type { BackoffSettings };

export const DEFAULT_RECONNECT_BACKOFF: BackoffSettings = { baseMs: 500, maxMs: 30_000 };

/** Delay before probe number `attempt` (1-based). */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random, settings: BackoffSettings = DEFAULT_RECONNECT_BACKOFF): number {
  return backoffDelayMs(attempt, settings, random);
}
