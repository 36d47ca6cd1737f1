/**
 * OpenAI's Batch API on parent jobs. A batch's file is checked line by line (validating), then
 * becomes one parent job whose children are its requests, added in chunks so the event loop is
 * never held long (in_progress); when the parent ends, the output and error files are written
 * (finalizing) and the batch is completed, cancelled or expired. Each step is written down
 * before the next begins, so a restart picks up where the last run stopped; every step is safe
 * to run twice (child indexes are unique, files are replaced by rename under fixed ids).
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LmqError } from '../../../shared/errors';
import { FINISHED_STATES, type ChildCounts } from '../../../shared/job';
import { FINISHED_BATCH_STATUSES, type CreateBatchRequest, type OpenAiBatch } from '../../../shared/batch';
import { DEFAULT_PRIORITY, MAX_PRIORITY } from '../../../shared/priority';
import { MAX_TIMER_MS, type Clock } from '../clock';
import type { EngineLogger } from '../config';
import type { Engine } from '../engine-api';
import { addBatchChildren } from './batch-children';
import { BATCH_ENDPOINTS, checkBatchFile, type BatchEndpoint, isBatchEndpoint, MAX_BATCH_REQUESTS, type BatchRequestLine } from './batch-input';
import { writeBatchResults } from './batch-output';
import { BatchStore, type BatchRecord } from './batch-store';
import { FileStore, type FileRecord, type FilePurpose } from './file-store';
import { batchObject } from './openai-objects';

/** The parent-job part of the engine this layer drives. */
export type ParentJobs = Pick<Engine, 'createParent' | 'addChildren' | 'sealParent' | 'failParent' | 'cancel' | 'get' | 'childPage' | 'onParentFinished' | 'durable'>;

/** Who asks: members see and act on their own files and batches; admins on everyone's. */
export interface BatchViewer {
  owner: string;
  role: 'admin' | 'member';
  maxPriority?: number;
}

export interface BatchesOptions {
  db: Database.Database;
  /** The job store's transaction (a parent and the batch row pointing at it commit together). */
  transaction<T>(fn: () => T): T;
  /** Bound lazily: the engine is built around this object. */
  parents: () => ParentJobs;
  /** Where file bytes live (<dataDir>/files). */
  filesDir: string;
  clock: Clock;
  logger: EngineLogger;
}

const WINDOW_MS = { '24h': 86_400_000 } as const;
/** A file this small is added from what its check read (~4x its size in memory, briefly); a bigger one is read again. */
const KEEP_CHECKED_BYTES = 32_000_000;

/** The ids a batch's result files get, fixed so that finalizing twice replaces rather than adds. */
function resultFileId(batchId: string, which: 'output' | 'error'): string {
  return `file-${createHash('sha256').update(`${batchId}:${which}`).digest('hex').slice(0, 24)}`;
}

export class Batches {
  readonly files: FileStore;
  private readonly batches: BatchStore;
  /** Batches this process is driving (so a second `drive` of the same one is a no-op). */
  private readonly driving = new Set<string>();
  /** Batches told to move on while being driven: driven again once the current pass ends. */
  private readonly again = new Set<string>();
  private stopListening: (() => void) | null = null;
  private readonly expiryTimers = new Map<string, unknown>();
  /** Requests a small file's check kept, until they are children (this run only). */
  private readonly checked = new Map<string, readonly BatchRequestLine[]>();
  private stopped = false;

  constructor(private readonly options: BatchesOptions) {
    this.files = new FileStore(options.db, options.filesDir);
    this.batches = new BatchStore(options.db);
  }

  private get parents(): ParentJobs {
    return this.options.parents();
  }

  /** Resumes every batch a previous run left unfinished. */
  start(): void {
    this.stopListening = this.parents.onParentFinished((job) => {
      const batch = this.batches.byParentJob(job.id);
      if (batch) this.drive(batch.id);
    });
    for (const batch of this.batches.unfinished()) this.drive(batch.id);
  }

  stop(): void {
    this.stopped = true;
    this.stopListening?.();
    for (const timer of this.expiryTimers.values()) this.options.clock.clearTimeout(timer);
    this.expiryTimers.clear();
  }

  // ---- files ----

  visibleFile(viewer: BatchViewer, id: string): FileRecord {
    const file = this.files.get(id);
    if (!file || (viewer.role !== 'admin' && file.owner !== viewer.owner)) throw new LmqError('not_found', `no file with id ${id}`);
    return file;
  }

  async deleteFile(viewer: BatchViewer, id: string): Promise<void> {
    this.visibleFile(viewer, id);
    const user = this.batches.batchUsingFile(id);
    if (user) throw new LmqError('invalid_state', `file ${id} is the input of batch ${user}, which has not finished`);
    this.files.forget(id);
    // The row's removal is on disk before the bytes go: a crash between leaves bytes the next start removes.
    await this.parents.durable();
    this.files.removeBytes(id);
  }

  addFile(upload: Parameters<FileStore['commit']>[0], meta: { owner: string; filename: string; purpose: FilePurpose }): FileRecord {
    return this.files.commit(upload, { ...meta, createdAt: this.options.clock.now() });
  }

  // ---- batches ----

  private visibleBatch(viewer: BatchViewer, id: string): BatchRecord {
    const batch = this.batches.get(id);
    if (!batch || (viewer.role !== 'admin' && batch.owner !== viewer.owner)) throw new LmqError('not_found', `no batch with id ${id}`);
    return batch;
  }

  /**
   * `priority`: already resolved from the header or metadata.priority (null: the default).
   * The batch's parent job is made with it (queued, no children until the file is checked), so
   * every batch has a job from its first moment; `jobMetadata` goes on that job (a schedule's name).
   */
  create(viewer: BatchViewer, request: CreateBatchRequest, priority: number | null, jobMetadata: Record<string, unknown> = {}): OpenAiBatch {
    const { file, endpoint } = this.check(viewer, request, priority);
    const now = this.options.clock.now();
    const id = `batch_${randomBytes(12).toString('hex')}`;
    const resolvedPriority = priority ?? Math.min(DEFAULT_PRIORITY, viewer.maxPriority ?? MAX_PRIORITY);
    const batch = this.options.transaction(() => {
      const parent = this.parents.createParent({ kind: 'batch', owner: viewer.owner, priority: resolvedPriority, lane: 'batch', metadata: { ...jobMetadata, batch: id, endpoint } });
      this.batches.insert({
        id,
        owner: viewer.owner,
        endpoint,
        inputFileId: file.id,
        completionWindow: request.completion_window,
        metadata: request.metadata ?? null,
        priority: resolvedPriority,
        createdAt: now,
        expiresAt: now + WINDOW_MS[request.completion_window as keyof typeof WINDOW_MS],
      });
      return this.batches.update(id, { parentJobId: parent.id });
    });
    // After the answer: the caller awaits durable() first, then the work begins.
    setImmediate(() => this.drive(batch.id));
    return this.view(batch);
  }

  /** What `create` refuses, checked without making anything; the input file when all is well. */
  check(viewer: BatchViewer, request: CreateBatchRequest, priority: number | null): { file: FileRecord; endpoint: BatchEndpoint } {
    if (!isBatchEndpoint(request.endpoint)) {
      throw new LmqError('bad_request', `endpoint: must be one of ${Object.keys(BATCH_ENDPOINTS).join(', ')}; got "${request.endpoint}"`);
    }
    if (!Object.hasOwn(WINDOW_MS, request.completion_window)) throw new LmqError('bad_request', `completion_window: must be "24h"; got "${request.completion_window}"`);
    const file = this.files.get(request.input_file_id);
    if (!file || (viewer.role !== 'admin' && file.owner !== viewer.owner)) throw new LmqError('not_found', `input_file_id: no file with id ${request.input_file_id}`);
    if (file.purpose !== 'batch') throw new LmqError('bad_request', `input_file_id: file ${file.id} has purpose "${file.purpose}", not "batch"`);
    const ceiling = viewer.maxPriority ?? MAX_PRIORITY;
    if (priority !== null && priority > ceiling) {
      throw new LmqError('priority_not_allowed', `priority ${priority} is above your highest allowed priority ${ceiling}`);
    }
    return { file, endpoint: request.endpoint };
  }

  get(viewer: BatchViewer, id: string): OpenAiBatch {
    return this.view(this.visibleBatch(viewer, id));
  }

  /** The batch whose parent job this is (for the UI), if the viewer may see it. */
  forJob(viewer: BatchViewer, jobId: string): OpenAiBatch | null {
    const batch = this.batches.byParentJob(jobId);
    if (!batch || (viewer.role !== 'admin' && batch.owner !== viewer.owner)) return null;
    return this.view(batch);
  }

  /** Every request of the batch is a child job (what "accepted" means for a big batch). */
  sealed(id: string): boolean {
    return this.batches.get(id)?.sealed ?? false;
  }

  list(viewer: BatchViewer, query: { after?: string; limit: number }): { data: OpenAiBatch[]; hasMore: boolean } {
    const page = this.batches.list({ ...(viewer.role === 'admin' ? {} : { owner: viewer.owner }), ...query });
    if (!page) throw new LmqError('bad_request', `after: no batch with id ${query.after}`);
    return { data: page.batches.map((b) => this.view(b)), hasMore: page.hasMore };
  }

  cancel(viewer: BatchViewer, id: string): OpenAiBatch {
    const batch = this.visibleBatch(viewer, id);
    if (batch.status === 'cancelling') return this.view(batch);
    if (batch.status !== 'validating' && batch.status !== 'in_progress') {
      throw new LmqError('invalid_state', `batch ${id} is ${batch.status}; only a validating or in_progress batch can be cancelled`);
    }
    const updated = this.batches.update(id, { status: 'cancelling', cancellingAt: this.options.clock.now() });
    if (updated.parentJobId) this.cancelParent(updated.parentJobId, 'the batch was cancelled');
    return this.view(updated);
  }

  private cancelParent(parentJobId: string, reason: string): void {
    try {
      this.parents.cancel(parentJobId, reason);
    } catch (error) {
      // Already finished: finalizing follows on its own.
      if (!(error instanceof LmqError && error.code === 'invalid_state')) throw error;
    }
  }

  view(batch: BatchRecord): OpenAiBatch {
    const live = !batch.requestCounts && batch.parentJobId !== null;
    return batchObject(batch, live ? this.parentCounts(batch.parentJobId!) : null);
  }

  private parentCounts(parentJobId: string): ChildCounts | null {
    try {
      return this.parents.get(parentJobId).children ?? null;
    } catch {
      return null;
    }
  }

  // ---- the work ----

  /** Runs a batch from the step it is at to its end; failures are logged and fail the batch. */
  private drive(id: string): void {
    if (this.stopped) return;
    if (this.driving.has(id)) {
      this.again.add(id);
      return;
    }
    this.driving.add(id);
    this.run(id)
      .catch((error: unknown) => {
        if (this.stopped) return;
        this.options.logger.error({ err: error instanceof Error ? error.message : String(error), batch: id }, 'batch failed');
        this.failBatch(id, { code: 'internal', message: 'LM Queue could not run this batch; see its log', line: null, param: null });
      })
      .finally(() => {
        this.driving.delete(id);
        if (this.again.delete(id)) this.drive(id);
      });
  }

  private async run(id: string): Promise<void> {
    const found = this.batches.get(id);
    if (!found) return; // its creation was rolled back (a schedule's run that could not be written)
    let batch = found;
    this.armExpiry(batch);
    if (batch.status === 'validating') {
      if (!(await this.validate(batch))) return;
      batch = this.batches.get(id)!;
    }
    if (this.stopped) return;
    if (batch.parentJobId && !batch.sealed && batch.status === 'in_progress') {
      await this.addChildren(batch);
      batch = this.batches.get(id)!;
    }
    if (this.stopped) return;
    if (batch.parentJobId) {
      if (batch.status === 'cancelling' || batch.expiredAt !== null) this.cancelParent(batch.parentJobId, 'the batch ended');
      // Not ended yet: onParentFinished drives the batch again when it has.
      if (!FINISHED_STATES.includes(this.parents.get(batch.parentJobId).state)) return;
    }
    await this.finalize(this.batches.get(id)!);
  }

  /** The file check; true when the batch goes on (in_progress, with its parent job). */
  private async validate(batch: BatchRecord): Promise<boolean> {
    const check = await checkBatchFile(this.files.contentPath(batch.inputFileId), batch.endpoint, KEEP_CHECKED_BYTES);
    if (this.stopped) return false;
    const now = this.options.clock.now();
    const current = this.batches.get(batch.id)!;
    if (current.status === 'cancelling') return true; // no parent: finalizing writes every request as not run
    if (check.errors.length > 0) {
      this.options.transaction(() => {
        this.batches.update(batch.id, { status: 'failed', failedAt: now, errors: check.errors, total: Math.min(check.total, MAX_BATCH_REQUESTS), requestCounts: { total: 0, completed: 0, failed: 0 } });
        if (current.parentJobId) this.parents.failParent(current.parentJobId, { code: 'invalid_file', message: `the input file has ${check.errors.length} error(s); see the batch's errors`, retryable: false });
      });
      this.clearExpiry(batch.id);
      return false;
    }
    this.options.transaction(() => {
      // A batch made before parents came with their batch has none yet.
      const parentJobId = current.parentJobId ?? this.parents.createParent({ kind: 'batch', owner: batch.owner, priority: batch.priority, lane: 'batch', metadata: { batch: batch.id, endpoint: batch.endpoint } }).id;
      this.batches.update(batch.id, { status: 'in_progress', inProgressAt: now, parentJobId, total: check.total });
    });
    if (check.requests) this.checked.set(batch.id, check.requests);
    return true;
  }

  /** Children from where the last run stopped (the parent's child count), then the seal. */
  private async addChildren(batch: BatchRecord): Promise<void> {
    const parentJobId = batch.parentJobId!;
    const added = await addBatchChildren({
      parents: this.parents,
      parentJobId,
      inputPath: this.files.contentPath(batch.inputFileId),
      endpoint: batch.endpoint,
      from: this.parentCounts(parentJobId)?.total ?? 0,
      requests: this.checked.get(batch.id) ?? null,
      goesOn: () => {
        const current = this.batches.get(batch.id);
        return !this.stopped && current?.status === 'in_progress' && current.expiredAt === null;
      },
      clock: this.options.clock,
    });
    this.checked.delete(batch.id);
    if (!added) return;
    this.options.transaction(() => {
      this.parents.sealParent(parentJobId);
      this.batches.update(batch.id, { sealed: true });
    });
  }

  private async finalize(batch: BatchRecord): Promise<void> {
    if (FINISHED_BATCH_STATUSES.includes(batch.status)) return;
    const now = this.options.clock.now();
    // A parent canceled from elsewhere (the Queue tab, DELETE /api/jobs/:id) cancels its batch.
    const parentCanceled = batch.parentJobId !== null && this.parents.get(batch.parentJobId).state === 'canceled';
    const ending = batch.status === 'cancelling' || (parentCanceled && batch.expiredAt === null) ? 'cancelled' : batch.expiredAt !== null ? 'expired' : 'completed';
    if (ending === 'cancelled' && batch.cancellingAt === null) batch = this.batches.update(batch.id, { status: 'cancelling', cancellingAt: now });
    if (ending === 'completed' && batch.status !== 'finalizing') batch = this.batches.update(batch.id, { status: 'finalizing', finalizingAt: now });
    const results = await writeBatchResults({
      batchId: batch.id,
      inputPath: this.files.contentPath(batch.inputFileId),
      endpoint: batch.endpoint,
      parentJobId: batch.parentJobId,
      childPage: (parent, after, limit) => this.parents.childPage(parent, after, limit),
      reason: ending === 'expired' ? 'batch_expired' : 'batch_cancelled',
      outputPath: this.files.tempFile(),
      errorPath: this.files.tempFile(),
    });
    if (this.stopped) return;
    const finishedAt = this.options.clock.now();
    this.options.transaction(() => {
      const commit = (path: string | null, which: 'output' | 'error') =>
        path === null
          ? null
          : this.files.commit(this.files.written(path), { id: resultFileId(batch.id, which), owner: batch.owner, filename: `${batch.id}_${which}.jsonl`, purpose: 'batch_output', createdAt: finishedAt }).id;
      const change = {
        outputFileId: commit(results.outputPath, 'output'),
        errorFileId: commit(results.errorPath, 'error'),
        requestCounts: results.counts,
        total: results.counts.total,
      };
      if (ending === 'cancelled') this.batches.update(batch.id, { ...change, status: 'cancelled', cancelledAt: finishedAt });
      else if (ending === 'expired') this.batches.update(batch.id, { ...change, status: 'expired' });
      else this.batches.update(batch.id, { ...change, status: 'completed', completedAt: finishedAt });
    });
    this.clearExpiry(batch.id);
  }

  private failBatch(id: string, error: { code: string; message: string; line: null; param: null }): void {
    try {
      const batch = this.batches.update(id, { status: 'failed', failedAt: this.options.clock.now(), errors: [error] });
      if (batch.parentJobId) this.parents.failParent(batch.parentJobId, { code: error.code, message: error.message });
    } catch (failure) {
      this.options.logger.error({ err: failure instanceof Error ? failure.message : String(failure), batch: id }, 'could not mark the batch failed');
    }
  }

  // ---- the completion window ----

  private armExpiry(batch: BatchRecord): void {
    if (this.expiryTimers.has(batch.id) || batch.expiredAt !== null) return;
    const wait = batch.expiresAt - this.options.clock.now();
    const timer = this.options.clock.setTimeout(() => {
      this.expiryTimers.delete(batch.id);
      const current = this.batches.get(batch.id);
      if (!current || FINISHED_BATCH_STATUSES.includes(current.status)) return;
      if (this.options.clock.now() < current.expiresAt) return this.armExpiry(current);
      this.expire(current);
    }, Math.max(0, Math.min(wait, MAX_TIMER_MS)));
    this.expiryTimers.set(batch.id, timer);
  }

  private clearExpiry(id: string): void {
    const timer = this.expiryTimers.get(id);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    this.expiryTimers.delete(id);
  }

  /** Past the window: what has not run is not run; what has is kept (OpenAI's expired). */
  private expire(batch: BatchRecord): void {
    if (batch.status === 'finalizing' || batch.status === 'cancelling') return;
    const updated = this.batches.update(batch.id, { expiredAt: this.options.clock.now() });
    if (updated.parentJobId) this.cancelParent(updated.parentJobId, 'the batch expired');
    else if (updated.status === 'validating') this.drive(batch.id);
  }
}
