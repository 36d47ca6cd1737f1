import type { Lane } from '../../../shared/job';

/**
 * Default lane caps for a slot count. Work-conserving: batch may use every slot when nothing
 * else waits (interactive work, ranked first at equal priority by fair share, takes the next
 * slot that frees); background, whose jobs tend to be long, gets at most half, so it can never
 * hold every slot against a chat.
 */
export function defaultLaneCaps(slots: number): Record<Lane, number> {
  return {
    interactive: slots,
    batch: slots,
    background: Math.max(1, Math.floor(slots / 2)),
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
