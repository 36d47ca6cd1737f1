/**
 * Indexes of folders inside the index roots: each (re)index is a parent job of kind `index`
 * whose children are embedding requests in the batch lane. At most `maxIndexJobs` run at once;
 * the rest wait in order, with their place shown as the job's position. Search embeds the query
 * as an interactive job and ranks the stored chunks by cosine similarity.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmqError } from '../../../shared/errors';
import { DEFAULT_CHUNK_TOKENS, DEFAULT_OVERLAP_TOKENS, type CreateIndexRequest, type IndexView, type SearchResult } from '../../../shared/indexes';
import { FINISHED_STATES, type Job, type JobProgress } from '../../../shared/job';
import { DEFAULT_PRIORITY } from '../../../shared/priority';
import type { Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { Engine } from '../engine-api';
import { isInside, resolveIndexFolder } from './index-roots';
import { embeddingsOf, IndexRun } from './index-run';
import type { IndexStore} from './index-store';
import { type IndexRecord } from './index-store';

export type IndexesEngine = Pick<
  Engine,
  'createParent' | 'addChildren' | 'sealParent' | 'beginParent' | 'touchParent' | 'describeParents' | 'failParent' | 'cancel' | 'get' | 'childPage' | 'dropChildResults' | 'onParentFinished' | 'submit' | 'on'
>;

export interface IndexesOptions {
  store: IndexStore;
  transaction<T>(fn: () => T): T;
  /** Bound lazily: the engine is built around this object. */
  engine: () => IndexesEngine;
  /** Real paths of the folders indexing may read (empty: indexing is off). */
  roots: readonly string[];
  maxIndexJobs: number;
  maxFileBytes: number;
  /** Where a run keeps extracted text between stages (null: a temporary folder). */
  workDir: string | null;
  clock: Clock;
  logger: EngineLogger;
}

/** Who asks: members create and search, and delete or re-index their own; admins anyone's. */
export interface IndexCaller {
  owner: string;
  role: 'admin' | 'member';
  maxPriority?: number;
}

/** How long a run waits for word of its children before looking anyway. */
const CHILD_POLL_MS = 1_000;

export class Indexes {
  /** Index jobs waiting for a run, oldest first (their job ids). */
  private readonly waiting: string[] = [];
  /** Running index jobs: their stage, and who to wake when a child moves. */
  private readonly running = new Map<string, { progress: JobProgress | null; wake: (() => void) | null }>();
  private readonly workRoot: string;
  private stopped = false;
  private stopListening: Array<() => void> = [];

  constructor(private readonly options: IndexesOptions) {
    this.workRoot = options.workDir ?? mkdtempSync(join(tmpdir(), 'lmq-index-work-'));
  }

  get enabled(): boolean {
    return this.options.roots.length > 0;
  }

  private get engine(): IndexesEngine {
    return this.options.engine();
  }

  /** Picks up index jobs a previous run left unfinished, in the order they were made. */
  start(): void {
    const engine = this.engine;
    engine.describeParents('index', (job) => this.describe(job));
    this.stopListening.push(
      engine.onParentFinished((job) => {
        if (job.kind !== 'index') return;
        this.forgetWaiting(job.id);
        this.running.get(job.id)?.wake?.();
      }),
      engine.on('job.updated', (job) => {
        if (job.parentId !== null && FINISHED_STATES.includes(job.state)) this.running.get(job.parentId)?.wake?.();
      }),
    );
    const unfinished = this.options.store
      .listIndexes()
      .map((index) => index.lastJobId && this.jobOf(index.lastJobId))
      .filter((job): job is Job => !!job && !FINISHED_STATES.includes(job.state))
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    for (const job of unfinished) this.enqueue(job.id);
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stopListening) stop();
    for (const run of this.running.values()) run.wake?.();
    if (this.options.workDir === null) rmSync(this.workRoot, { recursive: true, force: true });
  }

  private requireEnabled(): void {
    if (!this.enabled) {
      throw new LmqError('indexing_disabled', 'indexing is off: start LM Queue with --index-root DIR (or LMQ_INDEX_ROOTS) to allow indexing folders under DIR');
    }
  }

  private mustGet(name: string): IndexRecord {
    this.requireEnabled();
    const index = this.options.store.getIndex(name);
    if (!index) throw new LmqError('not_found', `no index named ${name}`);
    return index;
  }

  /** Makes or re-reads an index: a new index job (202), unless one for it is unfinished (409). */
  async create(request: CreateIndexRequest, caller: IndexCaller): Promise<{ index: IndexView; job: Job }> {
    this.requireEnabled();
    const { folder } = await resolveIndexFolder(this.options.roots, request.path);
    const { store } = this.options;
    const existing = store.getIndex(request.name);
    if (existing && caller.role !== 'admin' && existing.owner !== caller.owner) {
      throw new LmqError('forbidden', `index ${request.name} belongs to ${existing.owner}; choose another name`);
    }
    const settings = {
      name: request.name,
      path: folder,
      embeddingModel: request.embeddingModel,
      chunkTokens: request.chunkTokens ?? DEFAULT_CHUNK_TOKENS,
      overlapTokens: request.overlapTokens ?? DEFAULT_OVERLAP_TOKENS,
      include: request.include ?? null,
    };
    if (settings.overlapTokens >= settings.chunkTokens) {
      throw new LmqError('bad_request', `overlapTokens: must be smaller than chunkTokens (${settings.chunkTokens}); got ${settings.overlapTokens}`);
    }
    const { job } = this.startJobSync(existing, settings, existing?.owner ?? caller.owner, caller, {});
    return { index: this.view(store.getIndex(settings.name)!), job };
  }

  /** Re-reads an index's folder with its settings (a schedule's nightly run). */
  reindex(name: string, caller: IndexCaller, metadata: Record<string, unknown> = {}): Job {
    const index = this.mustGet(name);
    if (caller.role !== 'admin' && index.owner !== caller.owner) throw new LmqError('forbidden', `index ${name} belongs to ${index.owner}`);
    return this.startJobSync(index, index, index.owner, caller, metadata).job;
  }

  private startJobSync(
    existing: IndexRecord | null,
    settings: Pick<IndexRecord, 'name' | 'path' | 'embeddingModel' | 'chunkTokens' | 'overlapTokens' | 'include'>,
    owner: string,
    caller: IndexCaller,
    metadata: Record<string, unknown>,
  ): { job: Job } {
    const { store, transaction, clock } = this.options;
    const previous = existing?.lastJobId ? this.jobOf(existing.lastJobId) : null;
    if (previous && !FINISHED_STATES.includes(previous.state)) {
      throw new LmqError('invalid_state', `index ${settings.name} is being indexed by job ${previous.id}; cancel it or wait for it`);
    }
    const rebuild =
      existing !== null &&
      (existing.embeddingModel !== settings.embeddingModel || existing.chunkTokens !== settings.chunkTokens || existing.overlapTokens !== settings.overlapTokens || existing.path !== settings.path);
    const job = transaction(() => {
      const parent = this.engine.createParent({
        kind: 'index',
        owner,
        priority: Math.min(DEFAULT_PRIORITY, caller.maxPriority ?? DEFAULT_PRIORITY),
        lane: 'batch',
        model: settings.embeddingModel,
        metadata: { ...metadata, index: settings.name },
      });
      const record = store.upsertIndex({ ...settings, owner, now: clock.now() });
      if (rebuild) store.clearDocuments(record.id);
      store.updateIndex(settings.name, { lastJobId: parent.id });
      return parent;
    });
    this.enqueue(job.id);
    return { job };
  }

  list(): IndexView[] {
    this.requireEnabled();
    return this.options.store.listIndexes().map((i) => this.view(i));
  }

  get(name: string): IndexView {
    return this.view(this.mustGet(name));
  }

  /** Its owner or an admin: the unfinished job is canceled, then every stored chunk goes. */
  remove(name: string, caller: IndexCaller): void {
    const index = this.mustGet(name);
    if (caller.role !== 'admin' && index.owner !== caller.owner) throw new LmqError('forbidden', `only ${index.owner} or an admin may delete index ${name}`);
    const job = index.lastJobId ? this.jobOf(index.lastJobId) : null;
    if (job && !FINISHED_STATES.includes(job.state)) this.engine.cancel(job.id, `index ${name} was deleted`);
    this.options.store.deleteIndex(name);
  }

  /** The query is embedded by the index's model as an interactive job of the caller's. */
  async search(name: string, query: string, k: number, caller: IndexCaller): Promise<SearchResult[]> {
    const index = this.mustGet(name);
    const answer = await new Promise<{ job: Job; resultJson: string | null }>((resolve, reject) => {
      try {
        this.engine.submit(
          { kind: 'embedding', model: index.embeddingModel, input: { input: query }, lane: 'interactive', metadata: { index: name, search: true } },
          { owner: caller.owner, onFinish: (job, resultJson) => resolve({ job, resultJson }) },
        );
      } catch (error) {
        reject(error as Error);
      }
    });
    if (answer.job.state !== 'succeeded' || answer.resultJson === null) {
      throw new LmqError('backend_error', `the query could not be embedded by ${index.embeddingModel}: ${answer.job.error?.message ?? answer.job.state}`);
    }
    const [vector] = embeddingsOf(answer.resultJson);
    if (!vector) throw new LmqError('backend_error', `${index.embeddingModel} answered the query with no embedding`);
    return this.options.store.search(index.id, vector, k);
  }

  view(index: IndexRecord): IndexView {
    const counts = this.options.store.counts(index.id);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      name: index.name,
      path: index.path,
      embeddingModel: index.embeddingModel,
      chunkTokens: index.chunkTokens,
      overlapTokens: index.overlapTokens,
      include: index.include,
      owner: index.owner,
      documents: counts.documents,
      chunks: counts.chunks,
      embedded: counts.embedded,
      bytes: counts.bytes,
      createdAt: iso(index.createdAt),
      updatedAt: iso(index.updatedAt),
      lastJobId: index.lastJobId,
      skipped: index.skipped,
    };
  }

  // ---- the runs ----

  private jobOf(id: string): Job | null {
    try {
      return this.engine.get(id);
    } catch {
      return null;
    }
  }

  private enqueue(jobId: string): void {
    this.waiting.push(jobId);
    this.startRuns();
  }

  private forgetWaiting(jobId: string): void {
    const at = this.waiting.indexOf(jobId);
    if (at >= 0) this.waiting.splice(at, 1);
    this.startRuns();
  }

  private startRuns(): void {
    while (!this.stopped && this.running.size < this.options.maxIndexJobs && this.waiting.length > 0) {
      const jobId = this.waiting.shift()!;
      const job = this.jobOf(jobId);
      if (!job || FINISHED_STATES.includes(job.state)) continue;
      this.running.set(jobId, { progress: null, wake: null });
      void this.runJob(jobId, String(job.metadata?.index ?? '')).finally(() => {
        this.running.delete(jobId);
        this.startRuns();
      });
    }
    for (const jobId of this.waiting) this.engine.touchParent(jobId);
  }

  private async runJob(jobId: string, name: string): Promise<void> {
    const { store, logger } = this.options;
    const index = store.getIndex(name);
    const state = this.running.get(jobId)!;
    const goesOn = () => !this.stopped && !FINISHED_STATES.includes(this.jobOf(jobId)?.state ?? 'canceled');
    if (!index) {
      this.engine.failParent(jobId, { code: 'not_found', message: `index ${name} was deleted`, retryable: false });
      return;
    }
    // Roots are configured per start: a folder they no longer hold is not read.
    if (!this.options.roots.some((root) => isInside(root, index.path))) {
      this.engine.failParent(jobId, { code: 'forbidden', message: `${index.path} is outside the index roots this server was started with`, retryable: false });
      return;
    }
    const run = new IndexRun(
      {
        engine: this.engine,
        store,
        root: this.rootOf(index.path),
        maxFileBytes: this.options.maxFileBytes,
        workDir: join(this.workRoot, jobId),
        logger,
        now: () => this.options.clock.now(),
        goesOn,
        report: (progress) => {
          state.progress = progress;
          this.engine.touchParent(jobId);
        },
        childrenMoved: () =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(done, CHILD_POLL_MS);
            function done() {
              clearTimeout(timer);
              state.wake = null;
              resolve();
            }
            state.wake = done;
          }),
      },
      index,
      jobId,
    );
    try {
      const summary = await run.run();
      if (summary) logger.info({ job: jobId, index: name, documents: summary.documents, chunks: summary.chunks, skipped: summary.skipped.length }, 'index job done');
    } catch (error) {
      if (!goesOn()) return;
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ job: jobId, index: name, err: message }, 'index job failed');
      this.engine.failParent(jobId, { code: error instanceof LmqError ? error.code : 'internal', message, retryable: false });
    }
  }

  /** The innermost root holding the folder: symlinks out of it are not followed. */
  private rootOf(folder: string): string {
    return [...this.options.roots].sort((a, b) => b.length - a.length).find((root) => isInside(root, folder)) ?? folder;
  }

  /** A waiting index job's place among those waiting; a running one's stage. */
  private describe(job: Job): Partial<Pick<Job, 'progress' | 'position'>> | null {
    const run = this.running.get(job.id);
    if (run?.progress) return { progress: run.progress };
    const at = this.waiting.indexOf(job.id);
    if (at < 0) return null;
    const limit = this.options.maxIndexJobs;
    return { position: at + 1, progress: { stage: 'queued', fraction: 0, message: `waiting for an index run (${limit} at a time)` } };
  }
}
