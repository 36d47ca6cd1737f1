import type { Contender, FairView } from './policy';

/** VTC weights: generated tokens cost more GPU time than prompt tokens. */
export const PROMPT_TOKEN_WEIGHT = 1;
export const OUTPUT_TOKEN_WEIGHT = 2;

export function serviceCost(promptTokens: number, outputTokens: number): number {
  return PROMPT_TOKEN_WEIGHT * promptTokens + OUTPUT_TOKEN_WEIGHT * outputTokens;
}

/**
 * Virtual token counters per owner (Sheng et al., "Fairness in Serving Large Language Models").
 * The backlogged owner with the lowest counter goes next. An owner that becomes backlogged is
 * lifted to the lowest counter among owners already waiting, so idle time banks no credit.
 */
export class FairShare implements FairView {
  private readonly counters: Map<string, number>;

  constructor(counters?: Map<string, number>) {
    this.counters = counters ?? new Map();
  }

  served(owner: string): number {
    return this.counters.get(owner) ?? 0;
  }

  servedOf(c: Contender): number {
    return this.served(c.owner);
  }

  charge(owner: string, cost: number): void {
    this.counters.set(owner, this.served(owner) + cost);
  }

  onBacklogged(owner: string, waitingOwners: Iterable<string>): void {
    let floor = Infinity;
    for (const other of waitingOwners) {
      if (other !== owner) floor = Math.min(floor, this.served(other));
    }
    if (Number.isFinite(floor) && this.served(owner) < floor) this.counters.set(owner, floor);
  }

  clone(): FairShare {
    return new FairShare(new Map(this.counters));
  }
}
