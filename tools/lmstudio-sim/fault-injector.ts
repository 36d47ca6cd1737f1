/** Decides, per inference request, which injected or random fault it suffers. */
import type { Injection, RandomFaults } from './options';

export interface RequestFaults {
  fail500: boolean;
  modelLoading: boolean;
  errorIn200: boolean;
  /** Stop after this many tokens for `ms` real ms (Infinity: until the client leaves). */
  stall: { afterTokens: number; ms: number } | null;
  /** Extra real ms before the first token. */
  slowFirstTokenMs: number;
}

interface Pending {
  fail500: number;
  modelLoading: number;
  errorIn200: number;
  stall: Array<{ afterTokens: number; ms: number }>;
  slowFirstToken: number[];
}

const DEFAULT_STALL_AFTER_TOKENS = 3;

export class FaultInjector {
  private pending: Pending = emptyPending();

  constructor(
    private readonly faults: RandomFaults,
    private readonly random: () => number,
  ) {}

  /** Adds to what is already pending; injections are consumed in order by the next requests. */
  inject(injection: Injection): void {
    this.pending.fail500 += injection.fail500 ?? 0;
    this.pending.modelLoading += injection.modelLoading ?? 0;
    this.pending.errorIn200 += injection.errorIn200 ?? 0;
    if (injection.stall) {
      const afterTokens = injection.stall.afterTokens ?? DEFAULT_STALL_AFTER_TOKENS;
      const ms = injection.stall.ms ?? Number.POSITIVE_INFINITY;
      for (let i = 0; i < injection.stall.count; i++) this.pending.stall.push({ afterTokens, ms });
    }
    if (injection.slowFirstToken) {
      for (let i = 0; i < injection.slowFirstToken.count; i++) this.pending.slowFirstToken.push(injection.slowFirstToken.ms);
    }
  }

  clear(): void {
    this.pending = emptyPending();
  }

  /** What is still pending, for `/__sim/inject` answers and debugging. */
  describe(): Injection {
    return {
      fail500: this.pending.fail500,
      modelLoading: this.pending.modelLoading,
      errorIn200: this.pending.errorIn200,
      stall: { count: this.pending.stall.length },
      slowFirstToken: { count: this.pending.slowFirstToken.length, ms: this.pending.slowFirstToken[0] ?? 0 },
    };
  }

  /** Consumes at most one pending fault of each kind for the request now arriving. */
  next(): RequestFaults {
    const result: RequestFaults = { fail500: false, modelLoading: false, errorIn200: false, stall: null, slowFirstTokenMs: 0 };
    if (this.pending.fail500 > 0) {
      this.pending.fail500--;
      result.fail500 = true;
    } else if (this.pending.modelLoading > 0) {
      this.pending.modelLoading--;
      result.modelLoading = true;
    } else if (this.pending.errorIn200 > 0) {
      this.pending.errorIn200--;
      result.errorIn200 = true;
    } else if (this.faults.errorRate > 0 && this.random() < this.faults.errorRate) {
      result.fail500 = true;
    }
    if (result.fail500 || result.modelLoading || result.errorIn200) return result;

    result.stall = this.pending.stall.shift() ?? null;
    if (!result.stall && this.faults.stallRate > 0 && this.random() < this.faults.stallRate) {
      result.stall = { afterTokens: DEFAULT_STALL_AFTER_TOKENS, ms: this.faults.stallMs };
    }
    result.slowFirstTokenMs = this.pending.slowFirstToken.shift() ?? 0;
    return result;
  }
}

function emptyPending(): Pending {
  return { fail500: 0, modelLoading: 0, errorIn200: 0, stall: [], slowFirstToken: [] };
}
