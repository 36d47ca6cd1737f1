/**
 * The live resident set: keeps the policy's ModelView in step with what LM Studio reports, works
 * out the memory budget, and carries out the loads and unloads the policy decides, one at a time.
 */
import type { BackendState, ModelMemory } from '../../../shared/backend';
import type { Backend } from '../backend';
import type { Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { ServiceModel } from '../eta/service-model';
import { DEFAULT_SLOTS } from '../lmstudio/client';
import { BackendError, isBackendError } from '../lmstudio/errors';
import { backoffDelayMs } from '../../../shared/backoff';
import { fits, usedBytes, type ModelView } from './resident-set';

export interface ModelRoomDeps {
  backend: Backend;
  service: ServiceModel;
  clock: Clock;
  logger: EngineLogger;
  /** The configured budget (bytes); null: the default (see `defaultBudget`). */
  budgetBytes: number | null;
  pinned: readonly string[];
  retryBaseMs: number;
  retryMaxMs: number;
  /** A load or unload settled (or its retry wait ended): decide again. */
  onSettled: () => void;
  /** LM Studio cannot load this model at all: fail its queued work. */
  onUnloadable: (model: string, error: BackendError) => void;
}

/**
 * Without a configured budget: the most memory seen in use (what was loaded at start, or loaded
 * by hand since), and at least the largest LLM together with the largest embedding model (the
 * usual RAG pair; an embedding model is small beside an LLM).
 */
export function defaultBudget(state: BackendState, mostSeenInUse: number): number {
  const largest = (embedding: boolean): number =>
    Math.max(0, ...state.models.filter((m) => (m.type === 'embedding') === embedding).map((m) => m.sizeBytes ?? 0));
  return Math.max(mostSeenInUse, largest(false) + largest(true));
}

export class ModelRoom {
  readonly view: ModelView;
  private readonly sizes = new Map<string, number>();
  private readonly knownSlots = new Map<string, number>();
  private largestSize = 0;
  private mostSeenInUse = 0;
  private failures = 0;
  private controller: AbortController | null = null;
  private pending: Promise<void> | null = null;
  private retryTimer: unknown = null;

  constructor(private readonly deps: ModelRoomDeps) {
    this.view = {
      resident: new Map(),
      slotsIfLoaded: (model) => this.knownSlots.get(model) ?? DEFAULT_SLOTS,
      // A size LM Studio does not report counts as the largest it does, or the whole budget.
      sizeOf: (model) => this.sizes.get(model) ?? (this.largestSize || this.view.budgetBytes),
      budgetBytes: deps.budgetBytes ?? 0,
      pinned: new Set(deps.pinned),
      lastUsedAt: new Map(),
      busy: false,
      loading: null,
      canLoadAlongside: false,
      making: null,
      roomMadeAt: 0,
    };
    this.sync(deps.backend.state());
  }

  /** LM Studio's state changed (our own load, a refresh, or someone using its UI): adopt it. */
  sync(state: BackendState): void {
    const view = this.view;
    this.sizes.clear();
    for (const m of state.models) if (m.sizeBytes !== null) this.sizes.set(m.id, m.sizeBytes);
    this.largestSize = Math.max(0, ...this.sizes.values());
    view.resident.clear();
    for (const instance of state.resident) {
      view.resident.set(instance.model, (view.resident.get(instance.model) ?? 0) + (instance.parallel ?? DEFAULT_SLOTS));
    }
    for (const [model, slots] of view.resident) this.knownSlots.set(model, slots);
    view.canLoadAlongside = state.canLoadAlongside;
    if (this.deps.budgetBytes === null) {
      this.mostSeenInUse = Math.max(this.mostSeenInUse, state.resident.reduce((sum, i) => sum + (i.sizeBytes ?? 0), 0));
      view.budgetBytes = defaultBudget(state, this.mostSeenInUse);
    }
  }

  /** The memory picture the UIs show. */
  memory(): ModelMemory {
    const view = this.view;
    return { budgetBytes: view.budgetBytes, usedBytes: usedBytes(view), pinned: [...view.pinned], makingRoomFor: view.making?.model ?? null };
  }

  /** A request of `model` started or finished now. */
  used(model: string): void {
    this.view.lastUsedAt.set(model, this.deps.clock.now());
  }

  load(model: string): void {
    const { making } = this.view;
    if (making !== null && making.model === model) this.view.making = null;
    const started = this.deps.clock.now();
    this.deps.logger.info({ model, usedBytes: usedBytes(this.view), budgetBytes: this.view.budgetBytes }, 'loading model');
    this.view.loading = { model, since: started };
    this.run(model, 'load', (signal) => this.deps.backend.loadModel(model, signal), () => {
      this.deps.service.observeLoad(model, this.deps.clock.now() - started);
      this.view.roomMadeAt = this.deps.clock.now();
    });
  }

  unload(model: string): void {
    const { backend, logger } = this.deps;
    this.run(model, 'unload', async (signal) => {
      // Look again first: someone may have loaded or unloaded models in LM Studio since the last refresh.
      this.sync(await backend.refresh());
      const making = this.view.making;
      if (making !== null && (this.view.resident.has(making.model) || fits(this.view, making.model))) {
        this.view.making = null;
        return;
      }
      logger.info({ model, for: making?.model ?? null }, 'unloading model to make room');
      await backend.unloadModel(model, signal);
    }, () => undefined);
  }

  /** Aborts a load or unload under way and waits for it. */
  async stop(): Promise<void> {
    if (this.retryTimer !== null) this.deps.clock.clearTimeout(this.retryTimer);
    this.controller?.abort(new BackendError('aborted', 'LM Queue is shutting down'));
    await this.pending;
  }

  private run(model: string, what: 'load' | 'unload', op: (signal: AbortSignal) => Promise<void>, onDone: () => void): void {
    const { clock, logger } = this.deps;
    const controller = new AbortController();
    this.controller = controller;
    this.view.busy = true;
    let retryInMs: number | null = null;
    this.pending = op(controller.signal)
      .then(() => {
        onDone();
        this.failures = 0;
      })
      .catch((raw: unknown) => {
        if (controller.signal.aborted) return;
        const error = isBackendError(raw) ? raw : new BackendError('protocol', raw instanceof Error ? raw.message : String(raw));
        logger.warn({ model, code: error.code, err: error.message }, `model ${what} failed`);
        if (error.retryable || what === 'unload') {
          this.failures++;
          retryInMs = backoffDelayMs(this.failures, { baseMs: this.deps.retryBaseMs, maxMs: this.deps.retryMaxMs });
        } else {
          this.deps.onUnloadable(model, error);
        }
      })
      .finally(() => {
        this.controller = null;
        this.pending = null;
        this.view.loading = null;
        this.sync(this.deps.backend.state());
        if (retryInMs === null) this.view.busy = false;
        else {
          // Nothing else loads while a failed one waits for its retry; resident models keep running.
          this.retryTimer = clock.setTimeout(() => {
            this.retryTimer = null;
            this.view.busy = false;
            this.deps.onSettled();
          }, retryInMs);
        }
        this.deps.onSettled();
      });
  }
}
