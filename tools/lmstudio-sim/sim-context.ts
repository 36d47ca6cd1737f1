/** What every simulator route needs: settings, the model host, the recorder and the fault injector. */
import type { FaultInjector } from './fault-injector';
import type { ModelHost } from './model-host';
import type { SimModel, SimulatorOptions } from './options';
import type { SimRecorder } from './sim-record';

export interface SimContext {
  options: SimulatorOptions;
  models: SimModel[];
  host: ModelHost;
  recorder: SimRecorder;
  faults: FaultInjector;
  /** Ids like LM Studio's (chatcmpl-…), deterministic per simulator instance. */
  nextId(prefix: string): string;
}

export function createContext(
  options: SimulatorOptions,
  parts: { host: ModelHost; recorder: SimRecorder; faults: FaultInjector },
): SimContext {
  let counter = 0;
  return {
    options,
    models: options.modelSpecs,
    ...parts,
    nextId: (prefix) => `${prefix}-sim${(++counter).toString(36).padStart(6, '0')}`,
  };
}

export function findModel(ctx: SimContext, id: string): SimModel | undefined {
  return ctx.models.find((m) => m.id === id);
}

export function unknownModelMessage(ctx: SimContext, id: string): string {
  return `Invalid model identifier "${id}". Please specify a valid downloaded model (one of: ${ctx.options.models.join(', ')}).`;
}
