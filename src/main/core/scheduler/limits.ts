import type { Lane } from '../../../shared/job';

/**
 * Default lane caps for a slot count: interactive may use every slot; batch leaves one for
 * interactive work; background gets a quarter (at least one), as the old design's
 * "background -c 1" did on a small box.
 */
export function defaultLaneCaps(slots: number): Record<Lane, number> {
  return {
    interactive: slots,
    batch: Math.max(1, slots - 1),
    background: Math.max(1, Math.floor(slots / 4)),
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
