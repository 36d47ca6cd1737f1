/**
 * The LM Studio client the engine dispatches through: inference calls, the resident set, explicit
 * loads beside what is loaded and unloads the scheduler asks for (never one of its own), and a circuit breaker that reports LM Studio `down` (with the next retry time) while it
 * does not answer, probes on a backoff schedule, and reports `up` again on its own.
 * Over ~400 lines: the breaker and the resident-set reads share one state machine.
 */
import type { BackendState } from '../../../shared/backend';
import type { Backend, BackendRequest, RunCallbacks, RunOutcome } from '../backend';
import type { EngineLogger } from '../config';
import { linkAbort } from './abort-link';
import { BackendError, isBackendError } from './errors';
import { codeFromMessage, errorFromResponse, errorFromThrown, extractErrorMessage, type FailureContext } from './failure-classifier';
import { createHttpTransport } from './http-transport';
import { displayModel, MODEL_PARSERS, MODEL_SOURCE_PATHS, residentSlots, sourceOrder, type ModelSnapshot, type ModelSource } from './model-state';
import { backoffDelayMs, type BackoffSettings } from '../../../shared/backoff';
import type { RequestTimeouts } from './request-watchdog';
import { runRequest, type RunContext } from './run-request';

export const DEFAULT_SLOTS = 4;
/** Probes while LM Studio does not answer: from half a second, doubling to 30 s. */
const DEFAULT_RECONNECT_BACKOFF: BackoffSettings = { baseMs: 500, maxMs: 30_000 };
/** While jobs wait, a probe at least this often: LM Studio back should mean work sent within a second or so. */
const DEFAULT_PROBE_WHILE_WAITING_MS = 1_000;
/** Where only the OpenAI listing answers: how long a model that answered counts as loaded. */
const ANSWERED_IS_RESIDENT_MS = 10 * 60_000;

export interface LmStudioClientOptions {
  /** e.g. http://127.0.0.1:1234 */
  baseUrl: string;
  /** LM Studio's API token ("Require Authentication"), sent as a bearer token on every request; never logged. */
  apiToken?: string | null;
  /** Slots to dispatch into; null/undefined: what LM Studio reports for the loaded model, else 4. */
  maxConcurrency?: number | null;
  timeouts: RequestTimeouts & {
    /** Model listings and reconnect probes (default 5 s). */
    probeMs?: number;
    /** An explicit model load (default 10 min: big models load slowly). */
    loadMs?: number;
  };
  /** How often model state is re-read while LM Studio is up. */
  refreshIntervalMs: number;
  /** For model listings and loads; inference requests go over node:http (see http-transport.ts). */
  fetch?: typeof fetch;
  logger?: Pick<EngineLogger, 'info' | 'warn' | 'debug'>;
  /** Reconnect schedule while down (default 0.5 s doubling to 30 s, with jitter; while jobs wait, at most `whileWaitingMs`, default 1 s). */
  reconnect?: Partial<BackoffSettings> & { whileWaitingMs?: number };
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
}

interface HttpAnswer {
  status: number;
  payload: unknown;
}

export function createLmStudioClient(options: LmStudioClientOptions): Backend {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const http = createHttpTransport(baseUrl);
  const logger = options.logger;
  const backoff: BackoffSettings = { ...DEFAULT_RECONNECT_BACKOFF, ...options.reconnect };
  const probeWhileWaitingMs = options.reconnect?.whileWaitingMs ?? DEFAULT_PROBE_WHILE_WAITING_MS;
  /** Jobs are waiting for LM Studio (the dispatcher says so): probe quickly instead of backing off. */
  let workWaiting = false;
  let nextProbeAt = 0;
  const probeMs = options.timeouts.probeMs ?? 5_000;
  const loadMs = options.timeouts.loadMs ?? 600_000;
  const configuredSlots = options.maxConcurrency ?? null;
  const authHeaders: Record<string, string> = options.apiToken ? { authorization: `Bearer ${options.apiToken}` } : {};

  let state: BackendState = {
    url: baseUrl,
    status: 'unknown',
    loadedModel: null,
    resident: [],
    canLoadAlongside: false,
    slots: configuredSlots ?? DEFAULT_SLOTS,
    models: [],
    lastError: null,
    since: new Date().toISOString(),
    retryAt: null,
  };
  const listeners = new Set<(state: BackendState) => void>();
  let preferredSource: ModelSource | null = null;
  /** This LM Studio answered a load with "no such endpoint": load just in time from now on. */
  let loadApiMissing = false;
  /** Where LM Studio cannot report load state (OpenAI listing only): when each model last answered. */
  const answeredAt = new Map<string, number>();
  let refreshing: Promise<BackendState> | null = null;
  let failedProbes = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let loadChain: Promise<void> = Promise.resolve();
  let closed = false;
  const closing = new AbortController();

  function update(patch: Partial<BackendState>): void {
    if (closed) return;
    const next: BackendState = { ...state, ...patch };
    next.slots = configuredSlots ?? residentSlots(next.resident, DEFAULT_SLOTS) ?? DEFAULT_SLOTS;
    next.loadedModel = displayModel(next.resident, next.models);
    if (next.status !== state.status) next.since = new Date().toISOString();
    if (JSON.stringify(next) === JSON.stringify(state)) return;
    state = next;
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch (error) {
        logger?.warn({ err: error }, 'LM Studio state listener failed');
      }
    }
  }

  /** Closes the breaker; `patch` lets a refresh publish its news in the same event. */
  function markUp(patch: Partial<BackendState> = {}): void {
    if (state.status === 'up') {
      // Called after every answered request: most patches change nothing, and `update` compares
      // the whole state (model list included) as JSON.
      if (changesState(patch)) update(patch);
      return;
    }
    failedProbes = 0;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    logger?.info({ url: baseUrl }, 'LM Studio is reachable');
    update({ ...patch, status: 'up', retryAt: null, lastError: state.status === 'down' ? null : state.lastError, tokenRequired: false });
  }

  function changesState(patch: Partial<BackendState>): boolean {
    return (Object.keys(patch) as (keyof BackendState)[]).some((key) => patch[key] !== state[key]);
  }

  /**
   * Opens the breaker: report down, and probe again after a growing, jittered delay. A refused
   * token will not fix itself soon: it is probed at the slowest pace, never in a quick loop.
   */
  function markDown(error: BackendError): void {
    if (closed) return;
    if (error.code === 'unauthorized') {
      const message = authFailureMessage(error);
      if (state.status === 'down' && retryTimer !== null && state.lastError === message) return;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        void refresh();
      }, backoff.maxMs);
      retryTimer.unref();
      if (state.lastError !== message) logger?.warn({ url: baseUrl, status: error.status }, message);
      update({ status: 'down', lastError: message, retryAt: new Date(Date.now() + backoff.maxMs).toISOString(), tokenRequired: true });
      return;
    }
    // Several requests failing together are one outage: only a failed probe lengthens the wait.
    if (state.status === 'down' && retryTimer !== null) {
      update({ lastError: error.message, tokenRequired: false });
      return;
    }
    failedProbes++;
    const backedOff = backoffDelayMs(failedProbes, backoff, options.random);
    const delay = workWaiting ? Math.min(backedOff, probeWhileWaitingMs) : backedOff;
    scheduleProbe(delay);
    if (state.status !== 'down') logger?.warn({ url: baseUrl, err: error.message }, 'LM Studio is down; will keep probing');
    update({ status: 'down', tokenRequired: false, lastError: error.message, retryAt: new Date(Date.now() + delay).toISOString() });
  }

  function scheduleProbe(delay: number): void {
    if (retryTimer) clearTimeout(retryTimer);
    nextProbeAt = Date.now() + delay;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void refresh();
    }, delay);
    retryTimer.unref();
  }

  /** Work arrived while the next probe is far off (the backoff had grown): probe sooner. */
  function noteWorkWaiting(waiting: boolean): void {
    workWaiting = waiting;
    if (!waiting || closed || state.status !== 'down' || state.tokenRequired || retryTimer === null) return;
    if (nextProbeAt - Date.now() <= probeWhileWaitingMs) return;
    scheduleProbe(probeWhileWaitingMs);
    update({ retryAt: new Date(nextProbeAt).toISOString() });
  }

  function authFailureMessage(error: BackendError): string {
    const how = options.apiToken
      ? `it refused the token given with --backend-token (HTTP ${error.status ?? 401}); check it in LM Studio's Server Settings > Manage Tokens`
      : 'start LM Queue with --backend-token, LMQ_BACKEND_TOKEN or --backend-token-file';
    return `LM Studio requires an API token: ${how}`;
  }

  /** Every failure lands here: unreachable opens the breaker, others trigger a fresh look at the models. */
  function noteFailure(error: BackendError): void {
    if (error.code === 'aborted' || closed) return;
    if (error.code === 'unreachable' || error.code === 'unauthorized') {
      markDown(error);
      return;
    }
    update({ lastError: error.message });
    if (state.status !== 'down') void refresh();
  }

  function applySnapshot(snapshot: ModelSnapshot): void {
    preferredSource = snapshot.source;
    const resident = snapshot.knowsLoadState ? snapshot.resident : recentlyAnswered();
    markUp({ models: snapshot.models, resident, canLoadAlongside: snapshot.source === 'v1' && !loadApiMissing });
  }

  /** The OpenAI listing says nothing of what is loaded: a model that answered lately is taken as resident. */
  function recentlyAnswered(): BackendState['resident'] {
    const since = Date.now() - ANSWERED_IS_RESIDENT_MS;
    return [...answeredAt]
      .filter(([, at]) => at >= since)
      .map(([model]) => ({ model, instanceId: model, parallel: null, contextLength: null, sizeBytes: null }));
  }

  async function request(path: string, init: { method?: string; body?: unknown; timeoutMs: number; signal?: AbortSignal; operation: string }): Promise<HttpAnswer> {
    const failure: FailureContext = { url: baseUrl, operation: init.operation };
    const link = linkAbort([closing.signal, ...(init.signal ? [init.signal] : [])]);
    const signal = link.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      link.controller.abort();
    }, init.timeoutMs);
    try {
      const response = await doFetch(baseUrl + path, {
        method: init.method ?? 'GET',
        headers: { ...authHeaders, accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal,
      });
      const text = await response.text();
      let payload: unknown = text;
      try {
        payload = text.trim() === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        // Not JSON: keep the text for the error message.
      }
      return { status: response.status, payload };
    } catch (error) {
      if (timedOut) throw new BackendError('timeout', `LM Studio at ${baseUrl} did not answer the ${init.operation} within ${init.timeoutMs} ms`, { cause: error });
      if (signal.aborted) throw new BackendError('aborted', `Canceled the ${init.operation} (LM Studio at ${baseUrl})`, { cause: error });
      throw errorFromThrown(error, failure);
    } finally {
      clearTimeout(timer);
      link.unlink();
    }
  }

  /** Tries the model APIs, newest first (or the one that worked last time). */
  async function fetchSnapshot(): Promise<ModelSnapshot> {
    let lastError: BackendError | null = null;
    for (const source of sourceOrder(preferredSource)) {
      const path = MODEL_SOURCE_PATHS[source];
      const answer = await request(path, { timeoutMs: probeMs, operation: `model listing (${path})` });
      const snapshot = answer.status === 200 ? MODEL_PARSERS[source](answer.payload) : null;
      if (snapshot) return snapshot;
      // Every API refuses alike without the token: no use trying the older ones.
      if (answer.status === 401 || answer.status === 403) throw errorFromResponse(answer.status, answer.payload, { url: baseUrl, operation: `model listing (${path})` });
      // 404 or LM Studio's "Unexpected endpoint" (HTTP 200) mean an older LM Studio: try the next API.
      lastError = errorFromResponse(answer.status, answer.payload ?? 'unrecognised model listing', { url: baseUrl, operation: `model listing (${path})` });
    }
    throw lastError ?? new BackendError('protocol', `LM Studio at ${baseUrl} answered no model listing`);
  }

  function refresh(): Promise<BackendState> {
    if (closed) return Promise.resolve(state);
    refreshing ??= (async () => {
      try {
        applySnapshot(await fetchSnapshot());
      } catch (error) {
        const failure = isBackendError(error) ? error : errorFromThrown(error, { url: baseUrl, operation: 'model listing' });
        // A listing that hangs is as good as no LM Studio at all; one refused needs a token first.
        if (failure.code === 'unreachable' || failure.code === 'timeout' || failure.code === 'unauthorized') markDown(failure);
        else if (failure.code !== 'aborted') {
          markUp();
          update({ lastError: failure.message });
        }
      } finally {
        refreshing = null;
      }
      return state;
    })();
    return refreshing;
  }

  const refreshTimer = setInterval(() => {
    // While down, the reconnect schedule does the probing.
    if (state.status !== 'down') void refresh();
  }, options.refreshIntervalMs);
  refreshTimer.unref();
  void refresh();
  const runContext: RunContext = { baseUrl, http, timeouts: options.timeouts, closing: closing.signal, headers: authHeaders };

  async function run(backendRequest: BackendRequest, callbacks: RunCallbacks): Promise<RunOutcome> {
    if (closed) throw new BackendError('aborted', `The LM Studio client for ${baseUrl} is closed`);
    try {
      // The request's watchdog listens to both the job's signal and the client's close.
      const outcome = await runRequest(runContext, backendRequest, callbacks);
      // Where LM Studio cannot say what is loaded, what just answered is our best knowledge.
      if (preferredSource === 'openai') {
        answeredAt.set(backendRequest.model, Date.now());
        markUp({ resident: recentlyAnswered() });
      } else markUp();
      return outcome;
    } catch (error) {
      const failure = isBackendError(error) ? error : errorFromThrown(error, { url: baseUrl, operation: `${backendRequest.kind} request` });
      noteFailure(failure);
      throw failure;
    }
  }

  /**
   * Loads and unloads never overlap, whatever the caller does: LM Studio would run both, and an
   * unload that makes room must be done before the load it is for.
   */
  function oneAtATime(step: (signal: AbortSignal) => Promise<void>, signal: AbortSignal): Promise<void> {
    const link = linkAbort([signal, closing.signal]);
    const result = loadChain.then(() => step(link.signal)).finally(() => link.unlink());
    loadChain = result.catch(() => undefined);
    return result;
  }

  async function loadSerialized(model: string, signal: AbortSignal): Promise<void> {
    const operation = `load of model "${model}"`;
    if (signal.aborted) throw new BackendError('aborted', `Canceled the ${operation}`);
    try {
      await refresh();
      if (state.status === 'down') throw new BackendError('unreachable', `LM Studio at ${baseUrl} is down; cannot load model "${model}" (${state.lastError ?? 'no answer'})`);
      if (state.models.length > 0 && !state.models.some((m) => m.id === model)) {
        throw new BackendError('model_not_found', `LM Studio at ${baseUrl} has no model "${model}" (it has: ${state.models.map((m) => m.id).join(', ')})`);
      }
      // Never a second instance: LM Studio's load endpoint adds one even when the model is loaded.
      if (state.resident.some((i) => i.model === model)) return;
      if (preferredSource === 'v1' && !loadApiMissing && (await loadThroughRestApi(model, signal, operation))) return;
      await loadJustInTime(model, signal, operation);
    } catch (error) {
      const failure = isBackendError(error) ? error : errorFromThrown(error, { url: baseUrl, operation });
      noteFailure(failure);
      throw failure;
    } finally {
      await refresh();
    }
  }

  /** Loads `model` beside what is loaded. Returns false where this LM Studio has no load API. */
  async function loadThroughRestApi(model: string, signal: AbortSignal, operation: string): Promise<boolean> {
    logger?.info({ url: baseUrl, model }, 'loading model');
    const answer = await request('/api/v1/models/load', { method: 'POST', body: { model }, timeoutMs: loadMs, signal, operation });
    const message = extractErrorMessage(answer.payload);
    if (answer.status === 200 && message === null) return true;
    // No load endpoint here (404, or LM Studio's "Unexpected endpoint" in an HTTP 200): load on first use.
    const unsupported =
      (answer.status === 200 && message !== null && /unexpected endpoint/i.test(message)) ||
      (answer.status === 404 && (message === null || codeFromMessage(message) !== 'model_not_found'));
    if (unsupported) {
      loadApiMissing = true;
      update({ canLoadAlongside: false });
      return false;
    }
    throw errorFromResponse(answer.status, answer.payload, { url: baseUrl, operation });
  }

  async function unloadSerialized(model: string, signal: AbortSignal): Promise<void> {
    try {
      await refresh();
      for (const instance of state.resident.filter((i) => i.model === model)) {
        const operation = `unload of "${instance.instanceId}"`;
        logger?.info({ url: baseUrl, model, instance: instance.instanceId }, 'unloading model to make room');
        const answer = await request('/api/v1/models/unload', { method: 'POST', body: { instance_id: instance.instanceId }, timeoutMs: probeMs, signal, operation });
        if (answer.status !== 200 && answer.status !== 404) throw errorFromResponse(answer.status, answer.payload, { url: baseUrl, operation });
      }
    } catch (error) {
      const failure = isBackendError(error) ? error : errorFromThrown(error, { url: baseUrl, operation: `unload of "${model}"` });
      noteFailure(failure);
      throw failure;
    } finally {
      await refresh();
    }
  }

  /** Older LM Studio loads on first use: send the smallest request that makes it load `model`. */
  async function loadJustInTime(model: string, signal: AbortSignal, operation: string): Promise<void> {
    const isEmbedding = state.models.find((m) => m.id === model)?.type === 'embedding';
    const [path, body] = isEmbedding
      ? ['/v1/embeddings', { model, input: 'load' }]
      : ['/v1/completions', { model, prompt: 'Hi', max_tokens: 1, stream: false }];
    logger?.info({ url: baseUrl, model }, 'loading model just in time (no load API)');
    const answer = await request(path, { method: 'POST', body, timeoutMs: loadMs, signal, operation });
    if (answer.status !== 200 || extractErrorMessage(answer.payload) !== null) throw errorFromResponse(answer.status, answer.payload, { url: baseUrl, operation });
    answeredAt.set(model, Date.now());
  }

  /** Listings answered to our callers as LM Studio gave them; a refused token tells the breaker, as anywhere. */
  async function readThrough(path: string): Promise<{ status: number; body: unknown }> {
    const operation = `read of ${path}`;
    try {
      const answer = await request(path, { timeoutMs: probeMs, operation });
      if (answer.status === 401 || answer.status === 403) noteFailure(errorFromResponse(answer.status, answer.payload, { url: baseUrl, operation }));
      return { status: answer.status, body: answer.payload };
    } catch (error) {
      const failure = isBackendError(error) ? error : errorFromThrown(error, { url: baseUrl, operation });
      noteFailure(failure);
      throw failure;
    }
  }

  return {
    run,
    readThrough,
    loadModel: (model, signal) => oneAtATime((s) => loadSerialized(model, s), signal),
    unloadModel: (model, signal) => oneAtATime((s) => unloadSerialized(model, s), signal),
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh,
    noteWorkWaiting,
    async close() {
      if (closed) return;
      closing.abort();
      closed = true;
      clearInterval(refreshTimer);
      if (retryTimer) clearTimeout(retryTimer);
      listeners.clear();
      http.close();
      await refreshing?.catch(() => undefined);
    },
  };
}
