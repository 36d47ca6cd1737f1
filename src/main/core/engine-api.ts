/**
 * The engine as its hosts (server, IPC, headless) see it. `createEngine` in engine.ts returns one.
 * Every method is synchronous where SQLite is (fast, no await) and throws `LmqError` for
 * expected failures (not_found, invalid_state, queue_full, too_many_queued, unknown_model, ...).
 */
import type { BackendState } from '../../shared/backend';
import type { ServerEvents, EventName } from '../../shared/contract';
import type { Job, JobError, JobPage, Lane, ListJobsQuery, ParentKind, RequestKind, SubmitJobRequest } from '../../shared/job';
import type { QueueCounts, QueueSnapshot, QueueSnapshotQuery } from '../../shared/queue';
import type { Batches } from './batches/batches';
import type { Indexes } from './indexing/indexes';
import type { Schedules } from './schedules/schedules';
import type { TokenStore } from './store/token-store';
import type { ParentDescriber } from './jobs/parent-views';

export interface SubmitOptions {
  /** Who the job belongs to (the token's name, or `local`). */
  owner: string;
  /** Most queued jobs this owner may have (token limit); null/undefined = engine default. */
  maxQueuedForOwner?: number | null;
  /** Live listener, attached before the job can start (used for streaming responses). */
  sink?: JobSink;
  /**
   * Called once, when the job has ended (succeeded, failed or canceled), with its stored result
   * text if it succeeded (else null). Registered before the job can start; costs no read of the
   * job while it waits, unlike `waitForFinish`.
   */
  onFinish?: FinishListener;
  /**
   * The caller waits for this job over a connection (a synchronous or streaming request): the job
   * lives only as long as the caller can receive its answer. If LM Queue shuts down before the job
   * has run, the engine cancels it and calls this instead of `onFinish`, so the caller can be told
   * to send the request again (the retry after the restart is the only copy that runs).
   */
  onShutdown?: () => void;
  /**
   * The request's Idempotency-Key: a repeat by the same owner within a day returns the first job
   * (its caller attached to it), a different request under the key is refused (422).
   */
  idempotencyKey?: string;
}

export type FinishListener = (job: Job, resultJson: string | null) => void;

/** A parent job: it owns child jobs and holds no slot (see jobs/parent-jobs.ts). */
export interface NewParent {
  kind: ParentKind;
  owner: string;
  /** Its children's priority (default normal). */
  priority?: number;
  /** Its children's lane (default batch). */
  lane?: Lane;
  /** Shown on the parent; its children name their own. */
  model?: string;
  metadata?: Record<string, unknown> | null;
}

/** A parent's child: an ordinary request job at the parent's owner, priority and lane. */
export interface NewChild {
  kind: RequestKind;
  model: string;
  input: Record<string, unknown>;
  maxAttempts?: number;
  metadata?: Record<string, unknown> | null;
}

export interface ChildPageEntry {
  /** The child's 0-based place among its parent's children. */
  index: number;
  job: Job;
  /** A succeeded child's stored result text, else null. */
  resultJson: string | null;
}

/** Receives a running job's raw SSE `data:` payloads (and `event:` names, where the API has them) as LM Studio sends them. */
export interface JobSink {
  onChunk(data: string, event?: string): void;
}

export interface Engine {
  /** Validates `request` (LmqError bad_request naming the field) and queues it. */
  /** `request` as the edge validated it (SubmitJobSchema's output). */
  submit(request: SubmitJobRequest, options: SubmitOptions): Job;
  get(id: string): Job;
  /** The OpenAI response body of a succeeded job (409 while not succeeded). */
  result(id: string): unknown;
  /** The same body as the JSON text stored, for a transport that sends it on unparsed. */
  resultJson(id: string): string;
  list(query: ListJobsQuery): JobPage;
  /**
   * Queued: removed from the queue. Running: the LM Studio request is aborted. Finished: 409.
   * A parent: its queued children are canceled and its running ones aborted; it is canceled
   * once none runs.
   */
  cancel(id: string, reason?: string): Job;
  /** A parent job, queued and open for children (not sealed). */
  createParent(request: NewParent): Job;
  /**
   * Adds children at `firstIndex`, `firstIndex + 1`, ... (at most 5,000 a call; one transaction).
   * Idempotent: a child index already there is skipped, so a caller that crashed mid-way calls
   * again with the same indexes. A child whose request would be refused (bad input, unknown
   * model) is added failed with that error. The owner's max-queued limit is not applied per child.
   */
  addChildren(parentId: string, firstIndex: number, children: readonly NewChild[]): { added: number };
  /**
   * Every child is added: the parent succeeds once every child has ended (whatever each came to).
   * `summary` joins its result beside `children` (an index's counts and skipped files).
   */
  sealParent(parentId: string, summary?: Record<string, unknown>): Job;
  /** The parent's own work began before any child (an index's scan): it shows running. */
  beginParent(parentId: string): void;
  /** Pushes a parent's view again (its owner's stage moved on). */
  touchParent(parentId: string): void;
  /** A parent kind whose owner describes its live parents' progress and position (an index's stages). */
  describeParents(kind: ParentKind, describer: ParentDescriber): void;
  /** The parent fails with `error`; its children are canceled as by `cancel`. */
  failParent(parentId: string, error: JobError): Job;
  /** Children after `afterIndex` (-1: from the first), in order, with their stored results. */
  childPage(parentId: string, afterIndex: number, limit: number): ChildPageEntry[];
  /**
   * The stored results of these succeeded children are dropped: their parent's owner has what
   * they said (an index's vectors); the children stay, their result gone. How many were dropped.
   */
  dropChildResults(parentId: string, indexes: readonly number[]): number;
  /** Told once when each parent job ends (succeeded, failed or canceled). */
  onParentFinished(listener: (job: Job) => void): () => void;
  reprioritize(id: string, priority: number): Job;
  /** Queues a finished (failed/canceled/succeeded) job again as a new job with the same input. */
  retry(id: string, owner: string): Job;
  snapshot(query?: QueueSnapshotQuery): QueueSnapshot;
  counts(): QueueCounts;
  backend(): BackendState;
  /** Looks at LM Studio now (its model listing, one look for concurrent callers), then answers `backend()`. */
  checkBackend(): Promise<BackendState>;
  /** Model ids LM Studio offers (empty when unknown). */
  models(): string[];
  /** A read-only GET of LM Studio's own API, answered as LM Studio answered (404 where the backend cannot read through). */
  readBackend(path: string): Promise<{ status: number; body: unknown }>;
  paused(): boolean;
  setPaused(paused: boolean): void;
  /** Resolves with the job once it is succeeded, failed or canceled. */
  waitForFinish(id: string): Promise<Job>;
  /**
   * Resolves when every change made so far is on disk. Submissions in one event-loop turn share
   * one commit; a host acknowledges a submission (HTTP 202, IPC reply) only after this.
   */
  durable(): Promise<void>;
  on<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void;
  readonly tokens: TokenStore;
  /** Cron schedules; each run is an ordinary job made through `submit`. */
  readonly schedules: Schedules;
  /** OpenAI Files and Batches; each batch is a parent job made through `createParent`. */
  readonly batches: Batches;
  /** Folder indexes; each (re)index is a parent job of kind `index`. */
  readonly indexes: Indexes;
  /** Stop dispatching, let running jobs finish within graceMs, requeue the rest, close the store. */
  close(options?: { graceMs?: number }): Promise<void>;
}
