/**
 * What the engine needs from LM Studio. The real implementation is `lmstudio/client.ts`;
 * tests drive the engine with a fake that satisfies the same interface.
 *
 * The engine, not the backend, decides what is in flight and what is loaded: it calls `run` only
 * for a resident model (or one it just loaded), never unloads a model with requests in flight,
 * never has two loads or unloads under way at once, and never exceeds `state().slots` concurrent runs.
 */
import type { BackendState } from '../../shared/backend';
import type { RequestKind, Usage } from '../../shared/job';

export interface BackendRequest {
  jobId: string;
  kind: RequestKind;
  model: string;
  /** The OpenAI request body as the client sent it (minus our own fields such as `priority`). */
  body: Record<string, unknown>;
}

export interface RunCallbacks {
  signal: AbortSignal;
  /** Raw `data:` payloads of LM Studio's SSE stream, in order, as they arrive, with the `event:` name where the API types its events. */
  onChunk?: (data: string, event?: string) => void;
  /** Called as generated tokens arrive (throttling is the caller's business). */
  onTokens?: (completionTokens: number) => void;
  /** Before the first token, where LM Studio reports it (native chat): loading the model or reading the prompt, 0..1. */
  onStage?: (stage: RunStage) => void;
}

export interface RunStage {
  name: 'model_load' | 'prompt';
  fraction: number;
}

export interface RunStats {
  promptTokens: number;
  completionTokens: number;
  /** Generation speed of this request, tokens/s, when measurable. */
  tokensPerSecond: number | null;
  timeToFirstTokenMs: number | null;
  /** Wall time of the whole request. */
  durationMs: number;
}

export interface RunOutcome {
  /** The OpenAI response body (for streams: the assembled non-streaming equivalent). */
  body: unknown;
  usage: Usage;
  stats: RunStats;
}

export interface Backend {
  /** Sends one request. Throws `BackendError` on failure; honours `signal`. */
  run(request: BackendRequest, callbacks: RunCallbacks): Promise<RunOutcome>;
  /**
   * Makes `model` resident beside what is loaded: LM Studio's load endpoint where it has one, else a
   * first request (just in time). Does nothing when it is resident already (never a second instance).
   */
  loadModel(model: string, signal: AbortSignal): Promise<void>;
  /** Unloads every instance of `model` (only where `state().canLoadAlongside`). */
  unloadModel(model: string, signal: AbortSignal): Promise<void>;
  state(): BackendState;
  subscribe(listener: (state: BackendState) => void): () => void;
  /** Re-reads model state now. */
  refresh(): Promise<BackendState>;
  /** Whether jobs are due and waiting for LM Studio; while it is down, a backend may probe sooner then. */
  noteWorkWaiting?(waiting: boolean): void;
  /** A read-only GET of LM Studio's own API (model listings), its answer as it came. Throws BackendError when LM Studio does not answer. */
  readThrough?(path: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}
