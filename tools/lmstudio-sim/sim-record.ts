/**
 * What the simulator served, so tests can judge a client from the outside: did it exceed the
 * slots, switch models under someone's generation, load two models at once, honour aborts.
 * All times are wall-clock epoch milliseconds (Date.now()).
 */

export type SimEndpoint =
  | '/v1/chat/completions'
  | '/v1/completions'
  | '/v1/embeddings'
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
  /** Cut off because another model was loaded (or this one unloaded) during its generation. */
  evicted: boolean;
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
  /** 'jit': a request for another model forced it; 'load'/'unload': the management API. */
  reason: 'jit' | 'load' | 'unload';
  /** Requests of the previous model still generating when it was evicted (should be 0). */
  inFlightOfPrevious: number;
}

export interface LoadRecord {
  model: string;
  reason: 'jit' | 'load';
  startedAt: number;
  finishedAt: number | null;
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
  loadedModel: string | null;
}

export interface SimRecord {
  requests: RequestRecord[];
  /** Most inference requests in flight at once (holding a slot or waiting inside the simulator). */
  maxConcurrency: number;
  /** Most requests holding a slot at once (never above `parallel`). */
  maxActive: number;
  concurrency: ConcurrencySample[];
  switches: ModelSwitchRecord[];
  loads: LoadRecord[];
  concurrentLoads: ConcurrentLoadRecord[];
}

export function emptyRecord(): SimRecord {
  return { requests: [], maxConcurrency: 0, maxActive: 0, concurrency: [], switches: [], loads: [], concurrentLoads: [] };
}

export class SimRecorder {
  private data: SimRecord = emptyRecord();

  snapshot(): SimRecord {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = emptyRecord();
  }

  /** Adds a request and returns the live entry; the handler fills it in as it goes. */
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
      status: 200,
      error: null,
      completionTokens: 0,
    };
    this.data.requests.push(entry);
    return entry;
  }

  sample(active: number, waiting: number, loadedModel: string | null): void {
    this.data.maxConcurrency = Math.max(this.data.maxConcurrency, active + waiting);
    this.data.maxActive = Math.max(this.data.maxActive, active);
    const last = this.data.concurrency.at(-1);
    if (last && last.active === active && last.waiting === waiting && last.loadedModel === loadedModel) return;
    this.data.concurrency.push({ at: Date.now(), active, waiting, loadedModel });
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
}
