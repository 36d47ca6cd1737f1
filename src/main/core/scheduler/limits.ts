import type { Lane } from '../../../shared/job';

/**
 * Default lane caps for a slot count. Work-conserving: batch may use every slot when nothing
 * else waits (interactive work, ranked first at equal priority by fair share, takes the next
 * slot that frees); background, whose jobs tend to be long, gets all but one, so it can never
 * hold every slot against a chat (the policy keeps one free on each model, too).
 */
export function defaultLaneCaps(slots: number): Record<Lane, number> {
  return {
    interactive: slots,
    batch: slots,
    background: Math.max(1, slots - 1),
  };
}

export function laneCaps(slots: number, overrides: Partial<Record<Lane, number>> = {}): Record<Lane, number> {
  const caps = defaultLaneCaps(slots);
  for (const lane of Object.keys(overrides) as Lane[]) {
    const cap = overrides[lane];
    if (cap !== undefined) caps[lane] = Math.max(1, Math.min(slots, Math.floor(cap)));
  }
  return caps;
}
