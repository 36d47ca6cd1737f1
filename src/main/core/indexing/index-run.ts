/**
 * One run of an index job: scan → extract → chunk → embed → store. The first three are redone
 * from the folder after a restart (cheap, and idempotent: a document whose stored hash matches
 * is not read again); embedding goes on from what is stored: chunks without a vector are the
 * work left, and a child that succeeded before a crash gives its vectors when found.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SkippedFile, IndexStage } from '../../../shared/indexes';
import type { JobError, JobProgress } from '../../../shared/job';
import type { EngineLogger } from '../config';
import type { Engine, NewChild } from '../engine-api';
import { chunkText } from './chunk-text';
import { ExtractError, extractText } from './extract-text';
import { scanFolder } from './folder-scan';
import type { IndexRecord, IndexStore } from './index-store';

/** Chunks per embedding request, and the most estimated tokens one request carries. */
const CHUNKS_PER_REQUEST = 16;
const TOKENS_PER_REQUEST = 8_192;
/** Children added per call: one transaction, one turn of the loop. */
const CHILDREN_PER_CALL = 500;
/** How much of the bar each stage fills. */
const STAGE_SHARE: Record<IndexStage, [number, number]> = { scan: [0, 0.05], extract: [0.05, 0.2], chunk: [0.2, 0.25], embed: [0.25, 0.97], store: [0.97, 1] };

export type IndexEngine = Pick<Engine, 'addChildren' | 'childPage' | 'get' | 'touchParent' | 'beginParent' | 'sealParent' | 'failParent' | 'dropChildResults'>;

export interface IndexRunDeps {
  engine: IndexEngine;
  store: IndexStore;
  /** The index root the folder lies in (symlinks out of it are not followed). */
  root: string;
  maxFileBytes: number;
  /** A folder of its own for extracted text between the extract and chunk stages. */
  workDir: string;
  logger: EngineLogger;
  now: () => number;
  /** Still wanted: false once the job is canceled or the engine stops. */
  goesOn: () => boolean;
  /** Shown as the job's progress. */
  report: (progress: JobProgress) => void;
  /** Resolves when a child of this job may have finished (or after a short while). */
  childrenMoved: () => Promise<void>;
}

export interface IndexRunSummary {
  index: string;
  documents: number;
  chunks: number;
  embedded: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  skipped: SkippedFile[];
}

const count = (n: number) => n.toLocaleString('en-US');
const yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Extracted text kept in memory up to this much; past it, each document's text waits on disk. */
const TEXT_IN_MEMORY_CHARS = 32_000_000;
/** Work between turns of the event loop, so other requests never wait long behind a big folder. */
const SLICE_MS = 8;

/** Yields when the current slice of work is used up. */
class Slicer {
  private since = performance.now();
  async maybeYield(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await yieldLoop();
    this.since = performance.now();
  }
}

function stageProgress(stage: IndexStage, done: number, total: number, message: string): JobProgress {
  const [from, to] = STAGE_SHARE[stage];
  const part = total === 0 ? 1 : Math.min(1, done / total);
  return { stage, fraction: from + (to - from) * part, message };
}

interface Extracted {
  path: string;
  hash: string;
  bytes: number;
  /** The text itself, or the file it waits in (past the in-memory budget). */
  text: string | null;
  textFile: string | null;
}

export class IndexRun {
  private readonly skipped: SkippedFile[] = [];
  private added = 0;
  private changed = 0;
  private unchanged = 0;
  private removed = 0;

  constructor(
    private readonly deps: IndexRunDeps,
    private readonly index: IndexRecord,
    private readonly jobId: string,
  ) {}

  /** Null when stopped before the end (canceled, or the engine is closing), or failed (chunks left without a vector). */
  async run(): Promise<IndexRunSummary | null> {
    const { engine } = this.deps;
    engine.beginParent(this.jobId);
    const resuming = (engine.get(this.jobId).children?.total ?? 0) > 0;
    if (resuming) {
      // Past the chunk stage last time: what was skipped then still stands.
      this.skipped.push(...this.index.skipped);
    } else {
      const extracted = await this.scanAndExtract();
      if (!extracted || !this.deps.goesOn()) return null;
      if (!(await this.chunk(extracted))) return null;
      this.deps.store.updateIndex(this.index.name, { skipped: this.skipped });
    }
    if (!(await this.embed())) return null;
    return this.finish();
  }

  private async scanAndExtract(): Promise<Extracted[] | null> {
    const { store, report, maxFileBytes, root } = this.deps;
    report(stageProgress('scan', 0, 1, 'scanning the folder'));
    const scan = await scanFolder(this.index.path, {
      root,
      include: this.index.include,
      maxFileBytes,
      onProgress: (seen) => report(stageProgress('scan', 0, 1, `scanned ${count(seen)} files`)),
    });
    this.skipped.push(...scan.skipped);
    const stored = new Map(store.documents(this.index.id).map((d) => [d.path, d]));
    const present = new Set(scan.files.map((f) => f.path));
    for (const path of stored.keys()) {
      if (present.has(path)) continue;
      store.removeDocument(this.index.id, path);
      this.removed++;
    }
    await rm(this.deps.workDir, { recursive: true, force: true });
    const extracted: Extracted[] = [];
    const slicer = new Slicer();
    let inMemory = 0;
    for (const [i, file] of scan.files.entries()) {
      if (!this.deps.goesOn()) return null;
      report(stageProgress('extract', i, scan.files.length, `reading ${count(i + 1)} of ${count(scan.files.length)} files`));
      try {
        // Read once: the hash decides whether the text is needed, and the same bytes give it.
        const bytes = await readFile(file.absolutePath);
        const hash = createHash('sha256').update(bytes).digest('hex');
        const before = stored.get(file.path);
        if (before?.hash === hash) {
          this.unchanged++;
          continue;
        }
        const text = await extractText(file.absolutePath, bytes);
        if (text.trim() === '') {
          this.skip(file.path, 'empty', 'no text in it');
          continue;
        }
        if (inMemory + text.length <= TEXT_IN_MEMORY_CHARS) {
          inMemory += text.length;
          extracted.push({ path: file.path, hash, bytes: file.bytes, text, textFile: null });
        } else {
          const textFile = join(this.deps.workDir, `${extracted.length}.txt`);
          await mkdir(this.deps.workDir, { recursive: true });
          await writeFile(textFile, text);
          extracted.push({ path: file.path, hash, bytes: file.bytes, text: null, textFile });
        }
        if (before) this.changed++;
        else this.added++;
      } catch (error) {
        // One file that cannot be read fails alone; the old version, if any, goes (the index is the folder as it is).
        const message = error instanceof Error ? error.message : String(error);
        this.skip(file.path, error instanceof ExtractError ? 'extract_failed' : 'unreadable', message);
      }
      await slicer.maybeYield();
    }
    return extracted;
  }

  private skip(path: string, reason: SkippedFile['reason'], message: string): void {
    this.skipped.push({ path, reason, message });
    if (this.deps.store.documents(this.index.id).some((d) => d.path === path)) {
      this.deps.store.removeDocument(this.index.id, path);
      this.removed++;
    }
  }

  private async chunk(extracted: readonly Extracted[]): Promise<boolean> {
    const { store, report } = this.deps;
    const { chunkTokens, overlapTokens } = this.index;
    const slicer = new Slicer();
    for (const [i, doc] of extracted.entries()) {
      if (!this.deps.goesOn()) return false;
      report(stageProgress('chunk', i, extracted.length, `chunking ${count(i + 1)} of ${count(extracted.length)} documents`));
      const text = doc.text ?? (await readFile(doc.textFile!, 'utf8'));
      const chunks = chunkText(text, { chunkTokens, overlapTokens });
      store.replaceDocument(this.index.id, { path: doc.path, hash: doc.hash, bytes: doc.bytes, chunks });
      await slicer.maybeYield();
    }
    await rm(this.deps.workDir, { recursive: true, force: true });
    return true;
  }

  /** Children for every chunk without a vector (after those a previous run asked for), then their answers. */
  private async embed(): Promise<boolean> {
    const { engine, store } = this.deps;
    let next = engine.get(this.jobId).children?.total ?? 0;
    // A restart: vectors from children that answered before it, and where asking stopped.
    let afterId = this.applyFinishedChildren();
    for (;;) {
      const pending = store.pendingChunks(this.index.id, { afterId, limit: CHUNKS_PER_REQUEST * CHILDREN_PER_CALL });
      if (pending.length === 0) break;
      const children: NewChild[] = [];
      for (let i = 0; i < pending.length; ) {
        const group = [];
        let tokens = 0;
        while (i < pending.length && group.length < CHUNKS_PER_REQUEST && (group.length === 0 || tokens + pending[i]!.tokens <= TOKENS_PER_REQUEST)) {
          tokens += pending[i]!.tokens;
          group.push(pending[i++]!);
        }
        children.push({
          kind: 'embedding',
          model: this.index.embeddingModel,
          input: { input: group.map((c) => c.text) },
          metadata: { index: this.index.name, chunks: group.map((c) => c.id) },
        });
      }
      if (!this.deps.goesOn()) return false;
      engine.addChildren(this.jobId, next, children);
      next += children.length;
      afterId = pending[pending.length - 1]!.id;
      this.reportEmbedding();
      await yieldLoop();
    }
    // Answers as they come, until every child has ended.
    for (;;) {
      if (!this.deps.goesOn()) return false;
      const counts = engine.get(this.jobId).children;
      this.applyFinishedChildren();
      this.reportEmbedding();
      if (!counts || counts.queued + counts.running === 0) return true;
      await this.deps.childrenMoved();
    }
  }

  private reportEmbedding(): void {
    const { chunks, embedded } = this.deps.store.counts(this.index.id);
    this.deps.report(stageProgress('embed', embedded, chunks, `embedding ${count(embedded)} of ${count(chunks)} chunks`));
  }

  private readonly applied = new Set<number>();
  /** Children that failed (after their retries): their chunks stay without a vector. */
  private readonly failed = new Map<number, JobError>();
  /** Children before this index have all ended and been read: each pass starts here. */
  private firstOpen = 0;
  private lastAsked = 0;

  /** Stores the vectors of children that succeeded and are not yet stored; the last chunk id asked for. */
  private applyFinishedChildren(): number {
    const { engine, store, logger } = this.deps;
    let after = this.firstOpen - 1;
    let open = false;
    // Answers whose vectors are stored: a request's answer (~16 vectors as JSON) is not kept twice.
    const taken: number[] = [];
    for (;;) {
      const page = engine.childPage(this.jobId, after, 500);
      if (page.length === 0) break;
      for (const child of page) {
        after = child.index;
        const chunkIds = (child.job.metadata?.chunks as number[] | undefined) ?? [];
        for (const id of chunkIds) this.lastAsked = Math.max(this.lastAsked, id);
        const ended = child.job.state !== 'queued' && child.job.state !== 'running';
        if (!ended) open = true;
        else if (!open) this.firstOpen = child.index + 1;
        if (child.job.state === 'failed' && child.job.error) this.failed.set(child.index, child.job.error);
        if (child.job.state !== 'succeeded' || this.applied.has(child.index) || child.resultJson === null) continue;
        this.applied.add(child.index);
        const vectors = embeddingsOf(child.resultJson);
        if (vectors.length !== chunkIds.length) {
          logger.warn({ job: child.job.id, got: vectors.length, asked: chunkIds.length }, 'an embedding answer did not match its chunks');
          continue;
        }
        store.storeVectors(this.index.id, chunkIds.map((chunkId, i) => ({ chunkId, vector: vectors[i]! })));
        taken.push(child.index);
      }
      // After the vectors, on the same connection: a crash between keeps both, never neither.
      if (taken.length > 0) engine.dropChildResults(this.jobId, taken.splice(0));
    }
    return this.lastAsked;
  }

  private finish(): IndexRunSummary | null {
    const { store, report, engine } = this.deps;
    report(stageProgress('store', 0, 1, 'storing the index'));
    const counts = store.counts(this.index.id);
    store.updateIndex(this.index.name, { skipped: this.skipped, updatedAt: this.deps.now() });
    if (counts.embedded < counts.chunks) {
      // Chunks without a vector cannot be found: the job says why, and a re-index asks for them again.
      const first = [...this.failed.values()][0];
      const message =
        `${count(counts.chunks - counts.embedded)} of ${count(counts.chunks)} chunks have no vector` +
        (first ? `: ${count(this.failed.size)} embedding requests failed, the first with ${first.code}: ${first.message}` : '');
      engine.failParent(this.jobId, { code: 'embedding_failed', message, retryable: false });
      return null;
    }
    const summary: IndexRunSummary = {
      index: this.index.name,
      documents: counts.documents,
      chunks: counts.chunks,
      embedded: counts.embedded,
      added: this.added,
      changed: this.changed,
      removed: this.removed,
      unchanged: this.unchanged,
      skipped: this.skipped,
    };
    engine.sealParent(this.jobId, { ...summary });
    report(stageProgress('store', 1, 1, `${count(counts.documents)} documents, ${count(counts.chunks)} chunks`));
    return summary;
  }
}

/** The vectors of an OpenAI-shaped embeddings answer, in input order. */
export function embeddingsOf(resultJson: string): number[][] {
  const body = JSON.parse(resultJson) as { data?: Array<{ index?: number; embedding?: unknown }> };
  const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return data.map((d) => (Array.isArray(d.embedding) ? (d.embedding as number[]) : []));
}
