/**
 * What the simulator served, so tests can judge a client from the outside: did it exceed the
 * slots, switch models under someone's generation, load two models at once, honour aborts.
 * All times are wall-clock epoch milliseconds (Date.now()).
 */

export type SimEndpoint =
  | '/v1/chat/completions'
  | '/v1/completions'
  | '/v1/embeddings'
  | '/api/v0/chat/completions'
  | '/api/v0/completions'
  | '/api/v0/embeddings'
  | '/v1/responses'
  | '/v1/messages'
  | '/api/v1/chat'
  | '/api/v1/models/load'
  | '/api/v1/models/unload';

export interface RequestRecord {
  /** The id the simulator put in its response (chatcmpl-…, cmpl-…, emb-…). */
  id: string;
  /** The caller's `X-Request-Id` header, when sent (the LM Queue client sends its job id). */
  clientRequestId: string | null;
  model: string;
  endpoint: SimEndpoint;
  stream: boolean;
  arrivedAt: number;
  /** When it got a slot on the loaded model; null if it never did. */
  startedAt: number | null;
  firstTokenAt: number | null;
  finishedAt: number | null;
  /** The client went away before the response was complete. */
  aborted: boolean;
  /** Cut off because its instance was unloaded or evicted during its generation. */
  evicted: boolean;
  /** Why it was cut off: a REST unload, JIT auto-evict, or making room for memory. */
  cutOffReason: CutOffReason | null;
  /** HTTP status sent (a stream that failed later still says 200). */
  status: number;
  /** The error message sent, if any (also the in-stream and 200-with-error kinds). */
  error: string | null;
  promptTokens: number;
  completionTokens: number;
}

export interface ModelSwitchRecord {
  from: string | null;
  /** null when the model was unloaded. */
  to: string | null;
  at: number;
  /** 'jit': a request for a model that was not loaded; 'load'/'unload': the management API. */
  reason: 'jit' | 'load' | 'unload';
  /** Requests still generating on the instance(s) unloaded for this (should be 0). `from` is the first of them. */
  inFlightOfPrevious: number;
}

/** 'jit': a request for a model that was not loaded; 'rest': POST /api/v1/models/load. */
export type LoadReason = 'jit' | 'rest';
/** 'rest': POST /api/v1/models/unload; 'jit-evict': JIT auto-evict; 'memory-evict': room for a load. */
export type UnloadReason = 'rest' | 'jit-evict' | 'memory-evict';
export type CutOffReason = 'unload' | 'jit-evict' | 'memory-evict';

export interface LoadRecord {
  model: string;
  instanceId: string;
  reason: LoadReason;
  startedAt: number;
  finishedAt: number | null;
}

export interface UnloadRecord {
  model: string;
  instanceId: string;
  reason: UnloadReason;
  at: number;
  /** Requests generating on it at that moment. */
  inFlight: number;
  /** Of those, the ones cut off (X-Request-Id when sent, else the simulator's id). */
  cutOffRequestIds: string[];
}

export interface CutOffRecord {
  /** The simulator's id of the request. */
  id: string;
  clientRequestId: string | null;
  model: string;
  instanceId: string;
  reason: CutOffReason;
  at: number;
}

/** A load that did not fit the memory budget (a REST load is refused; a JIT one fails its request). */
export interface RefusedLoadRecord {
  model: string;
  reason: LoadReason;
  at: number;
  neededBytes: number;
  freeBytes: number;
}

/** A second (or later) instance of a model that was already loaded (LM Studio makes one on a repeated load). */
export interface DuplicateInstanceRecord {
  model: string;
  instanceId: string;
  at: number;
}

export interface ConcurrentLoadRecord {
  at: number;
  /** The model whose load was in progress. */
  loading: string;
  /** The model someone asked for meanwhile. */
  requested: string;
}

export interface ConcurrencySample {
  at: number;
  /** Requests holding a slot. */
  active: number;
  /** Requests waiting inside the simulator (for a slot or a load). */
  waiting: number;
  /** The most recently loaded model (the single-model view). */
  loadedModel: string | null;
  /** Every loaded instance's model, in load order. */
  loadedModels: string[];
}

export interface SimRecord {
  requests: RequestRecord[];
  /** Most inference requests in flight at once (holding a slot or waiting inside the simulator). */
  maxConcurrency: number;
  /** Most requests holding a slot at once (never above the loaded instances' slots). */
  maxActive: number;
  concurrency: ConcurrencySample[];
  /** One per load (`to` the model) and per REST unload (`to` null): the single-model view of loads. */
  switches: ModelSwitchRecord[];
  loads: LoadRecord[];
  unloads: UnloadRecord[];
  cutOff: CutOffRecord[];
  refusedLoads: RefusedLoadRecord[];
  duplicateInstances: DuplicateInstanceRecord[];
  concurrentLoads: ConcurrentLoadRecord[];
  /** Most memory taken at once by loaded and loading instances. */
  maxMemoryBytes: number;
}

export function emptyRecord(): SimRecord {
  return {
    requests: [],
    maxConcurrency: 0,
    maxActive: 0,
    concurrency: [],
    switches: [],
    loads: [],
    unloads: [],
    cutOff: [],
    refusedLoads: [],
    duplicateInstances: [],
    concurrentLoads: [],
    maxMemoryBytes: 0,
  };
}

export class SimRecorder {
  private data: SimRecord = emptyRecord();

  snapshot(): SimRecord {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = emptyRecord();
  }

  /** Records a request as it arrives; the route fills in times and outcome as it goes. */
  addRequest(arrival: Pick<RequestRecord, 'id' | 'clientRequestId' | 'model' | 'endpoint' | 'stream' | 'promptTokens'>): RequestRecord {
    const entry: RequestRecord = {
      ...arrival,
      arrivedAt: Date.now(),
      startedAt: null,
      firstTokenAt: null,
      finishedAt: null,
      aborted: false,
      evicted: false,
      cutOffReason: null,
      status: 200,
      error: null,
      completionTokens: 0,
    };
    this.data.requests.push(entry);
    return entry;
  }

  sample(active: number, waiting: number, loadedModels: string[], memoryBytes: number): void {
    this.data.maxConcurrency = Math.max(this.data.maxConcurrency, active + waiting);
    this.data.maxActive = Math.max(this.data.maxActive, active);
    this.data.maxMemoryBytes = Math.max(this.data.maxMemoryBytes, memoryBytes);
    const last = this.data.concurrency.at(-1);
    const loadedModel = loadedModels.at(-1) ?? null;
    if (last && last.active === active && last.waiting === waiting && last.loadedModels.join('\n') === loadedModels.join('\n')) return;
    this.data.concurrency.push({ at: Date.now(), active, waiting, loadedModel, loadedModels: [...loadedModels] });
  }

  addSwitch(entry: ModelSwitchRecord): void {
    this.data.switches.push(entry);
  }

  addLoad(entry: LoadRecord): LoadRecord {
    this.data.loads.push(entry);
    return entry;
  }

  addConcurrentLoad(entry: ConcurrentLoadRecord): void {
    this.data.concurrentLoads.push(entry);
  }

  addUnload(entry: UnloadRecord): void {
    this.data.unloads.push(entry);
  }

  addCutOff(entry: CutOffRecord): void {
    this.data.cutOff.push(entry);
  }

  addRefusedLoad(entry: RefusedLoadRecord): void {
    this.data.refusedLoads.push(entry);
  }

  addDuplicateInstance(entry: DuplicateInstanceRecord): void {
    this.data.duplicateInstances.push(entry);
  }
}
