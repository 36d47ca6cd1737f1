/**
 * Indexes in the engine's database: their settings, their documents, the documents' chunks, and
 * each chunk's vector (vector-table.ts). A chunk is stored before its vector: chunks without one
 * are the embedding work left, which is what lets a run go on after a crash.
 */
import type Database from 'better-sqlite3';
import { LmqError } from '../../../shared/errors';
import type { SearchResult } from '../../../shared/indexes';
import {
  toRecord,
  type IndexCounts,
  type IndexPatch,
  type IndexRecord,
  type IndexRow,
  type NewChunk,
  type NewDocument,
  type NewIndex,
  type PendingChunk,
  type StoredDocument,
  type VectorEntry,
} from './index-records';
import { loadVectorExtension, unitVector, VectorTable } from './vector-table';

export type { IndexCounts, IndexPatch, IndexRecord, IndexSettings, NewChunk, NewDocument, NewIndex, PendingChunk, StoredDocument, VectorEntry } from './index-records';

/** vec0 answers at most this many neighbours. */
const MAX_K = 4_096;
/** SQLite's largest map in this build (bigger asks are cut to it). */
const MMAP_BYTES = 0x7fff0000;

function checkChunk(chunk: NewChunk, path: string): void {
  if (!Number.isSafeInteger(chunk.ordinal) || chunk.ordinal < 0) throw new Error(`${path}: chunk ordinal ${chunk.ordinal} is not a whole number from 0`);
  if (!Number.isSafeInteger(chunk.tokens) || chunk.tokens < 0) throw new Error(`${path}: chunk ${chunk.ordinal} has ${chunk.tokens} tokens`);
  if (typeof chunk.text !== 'string') throw new Error(`${path}: chunk ${chunk.ordinal} has no text`);
}

export class IndexStore {
  private readonly statements;
  private readonly tables = new Map<number, VectorTable>();
  /** One wrapper for every transaction (`db.transaction(fn)` builds a new one on each call); nested, a savepoint. */
  private readonly inTransaction: <T>(fn: () => T) => T;

  /** Searches read through this connection: `reader` when given, else the writer's own. */
  private readonly searchDb: Database.Database;
  private readonly searchTables = new Map<number, VectorTable>();

  /**
   * `reader`, a read-only connection to the same file, is owned (closed by `close`). A search
   * reads every vector of the index: unmapped, SQLite reads each 4 KB overflow page of vec0's
   * BLOBs with its own system call, about three times slower; mapped on the writer's connection,
   * every job page it touches would count in the process's memory too.
   */
  constructor(
    private readonly db: Database.Database,
    reader: Database.Database | null = null,
  ) {
    loadVectorExtension(db);
    this.searchDb = reader ?? db;
    if (reader) loadVectorExtension(reader);
    if (this.searchDb.pragma('mmap_size', { simple: true }) === 0) this.searchDb.pragma(`mmap_size = ${MMAP_BYTES}`);
    const transaction = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T) => transaction(fn) as T;
    this.statements = {
      insertIndex: db.prepare(
        `INSERT INTO index_indexes (name, path, embedding_model, chunk_tokens, overlap_tokens, include, owner, created_at, updated_at)
         VALUES (@name, @path, @embeddingModel, @chunkTokens, @overlapTokens, @include, @owner, @now, @now)
         ON CONFLICT (name) DO UPDATE SET path = excluded.path, embedding_model = excluded.embedding_model,
           chunk_tokens = excluded.chunk_tokens, overlap_tokens = excluded.overlap_tokens, include = excluded.include, updated_at = excluded.updated_at`,
      ),
      indexByName: db.prepare<[string], IndexRow>('SELECT * FROM index_indexes WHERE name = ?'),
      indexById: db.prepare<[number], IndexRow>('SELECT * FROM index_indexes WHERE id = ?'),
      allIndexes: db.prepare<[], IndexRow>('SELECT * FROM index_indexes ORDER BY name'),
      deleteIndex: db.prepare('DELETE FROM index_indexes WHERE id = ?'),
      setDimensions: db.prepare('UPDATE index_indexes SET dimensions = ? WHERE id = ?'),
      documents: db.prepare<[number], StoredDocument>('SELECT id, path, hash, bytes FROM index_documents WHERE index_id = ? ORDER BY path'),
      documentByPath: db.prepare<[number, string], { id: number }>('SELECT id FROM index_documents WHERE index_id = ? AND path = ?'),
      insertDocument: db.prepare('INSERT INTO index_documents (index_id, path, hash, bytes) VALUES (?, ?, ?, ?)'),
      updateDocument: db.prepare('UPDATE index_documents SET hash = ?, bytes = ? WHERE id = ?'),
      deleteDocument: db.prepare('DELETE FROM index_documents WHERE id = ?'),
      deleteDocuments: db.prepare('DELETE FROM index_documents WHERE index_id = ?'),
      insertChunk: db.prepare('INSERT INTO index_chunks (index_id, document_id, ordinal, tokens, text) VALUES (?, ?, ?, ?, ?)'),
      embeddedOfDocument: db.prepare<[number], { id: number }>('SELECT id FROM index_chunks WHERE document_id = ? AND embedded = 1'),
      deleteChunksOfDocument: db.prepare('DELETE FROM index_chunks WHERE document_id = ?'),
      deleteChunks: db.prepare('DELETE FROM index_chunks WHERE index_id = ?'),
      chunkState: db.prepare<[number], { index_id: number; embedded: number }>('SELECT index_id, embedded FROM index_chunks WHERE id = ?'),
      markEmbedded: db.prepare('UPDATE index_chunks SET embedded = 1 WHERE id = ?'),
      pending: db.prepare<[number, number, number], PendingChunk>(
        'SELECT id, text, tokens FROM index_chunks WHERE index_id = ? AND embedded = 0 AND id > ? ORDER BY id LIMIT ?',
      ),
      chunkForResult: db.prepare<[number], { path: string; ordinal: number; text: string }>(
        'SELECT d.path, c.ordinal, c.text FROM index_chunks c JOIN index_documents d ON d.id = c.document_id WHERE c.id = ?',
      ),
      documentCounts: db.prepare<[number], { documents: number; bytes: number }>(
        'SELECT COUNT(*) AS documents, COALESCE(SUM(bytes), 0) AS bytes FROM index_documents WHERE index_id = ?',
      ),
      chunkCounts: db.prepare<[number], { chunks: number; embedded: number }>(
        'SELECT COUNT(*) AS chunks, COALESCE(SUM(embedded), 0) AS embedded FROM index_chunks WHERE index_id = ?',
      ),
    };
  }

  // ---- indexes ----

  /** Makes the index, or changes its settings, keeping its id, owner and documents. */
  upsertIndex(index: NewIndex): IndexRecord {
    this.statements.insertIndex.run({ ...index, include: index.include === null ? null : JSON.stringify(index.include) });
    return this.getIndex(index.name)!;
  }

  getIndex(name: string): IndexRecord | null {
    const row = this.statements.indexByName.get(name);
    return row ? toRecord(row) : null;
  }

  /** By name. */
  listIndexes(): IndexRecord[] {
    return this.statements.allIndexes.all().map(toRecord);
  }

  updateIndex(name: string, patch: IndexPatch): IndexRecord {
    const columns: Array<[string, unknown]> = [];
    if (patch.lastJobId !== undefined) columns.push(['last_job_id', patch.lastJobId]);
    if (patch.skipped !== undefined) columns.push(['skipped', JSON.stringify(patch.skipped)]);
    if (patch.updatedAt !== undefined) columns.push(['updated_at', patch.updatedAt]);
    if (columns.length > 0) {
      const sets = columns.map(([column]) => `${column} = ?`).join(', ');
      this.db.prepare(`UPDATE index_indexes SET ${sets} WHERE name = ?`).run(...columns.map(([, value]) => value), name);
    }
    const index = this.getIndex(name);
    if (!index) throw new LmqError('not_found', `no index named ${name}`);
    return index;
  }

  /** The index and everything of it, vectors too. False if there was none. */
  deleteIndex(name: string): boolean {
    const index = this.getIndex(name);
    if (!index) return false;
    this.inTransaction(() => {
      this.clearDocuments(index.id);
      this.statements.deleteIndex.run(index.id);
    });
    return true;
  }

  /** Every document, chunk and vector goes, and the dimensions are free again (a new embedding model). */
  clearDocuments(indexId: number): void {
    this.inTransaction(() => {
      this.statements.deleteChunks.run(indexId);
      this.statements.deleteDocuments.run(indexId);
      this.tables.delete(indexId);
      this.searchTables.delete(indexId);
      VectorTable.drop(this.db, indexId);
      this.statements.setDimensions.run(null, indexId);
    });
  }

  // ---- documents ----

  documents(indexId: number): StoredDocument[] {
    return this.statements.documents.all(indexId);
  }

  /** The document's new version: the old one's chunks and vectors go; the new chunks wait for vectors. */
  replaceDocument(indexId: number, document: NewDocument): void {
    for (const chunk of document.chunks) checkChunk(chunk, document.path);
    const s = this.statements;
    this.inTransaction(() => {
      const existing = s.documentByPath.get(indexId, document.path);
      let documentId: number;
      if (existing) {
        this.dropChunksOf(indexId, existing.id);
        s.updateDocument.run(document.hash, document.bytes, existing.id);
        documentId = existing.id;
      } else {
        documentId = Number(s.insertDocument.run(indexId, document.path, document.hash, document.bytes).lastInsertRowid);
      }
      for (const chunk of document.chunks) s.insertChunk.run(indexId, documentId, chunk.ordinal, chunk.tokens, chunk.text);
    });
  }

  /** False if the index has no document at that path. */
  removeDocument(indexId: number, path: string): boolean {
    return this.inTransaction(() => {
      const existing = this.statements.documentByPath.get(indexId, path);
      if (!existing) return false;
      this.dropChunksOf(indexId, existing.id);
      this.statements.deleteDocument.run(existing.id);
      return true;
    });
  }

  private dropChunksOf(indexId: number, documentId: number): void {
    const embedded = this.statements.embeddedOfDocument.all(documentId);
    if (embedded.length > 0) {
      const table = this.vectorTable(indexId);
      for (const { id } of embedded) table.delete(id);
    }
    this.statements.deleteChunksOfDocument.run(documentId);
  }

  // ---- embedding ----

  /** Chunks without a vector after `afterId`, in id order. */
  pendingChunks(indexId: number, page: { afterId: number; limit: number }): PendingChunk[] {
    return this.statements.pending.all(indexId, page.afterId, page.limit);
  }

  /**
   * Stores each vector at unit length; ids of chunks that are gone (their document changed
   * meanwhile) are passed over. The first vector fixes the index's dimensions. How many were stored.
   */
  storeVectors(indexId: number, entries: readonly VectorEntry[]): number {
    const row = this.statements.indexById.get(indexId);
    if (!row) throw new LmqError('not_found', `no index with id ${indexId}`);
    const units = entries.map((entry) => ({ chunkId: entry.chunkId, vector: unitVector(entry.vector) }));
    try {
      return this.inTransaction(() => {
        let dimensions = row.dimensions;
        let stored = 0;
        for (const { chunkId, vector } of units) {
          const chunk = this.statements.chunkState.get(chunkId);
          if (!chunk || chunk.index_id !== indexId) continue;
          if (dimensions === null) {
            dimensions = vector.length;
            VectorTable.create(this.db, indexId, dimensions);
            this.statements.setDimensions.run(dimensions, indexId);
          } else if (vector.length !== dimensions) {
            throw new Error(`index ${row.name} holds vectors of ${dimensions} dimensions; chunk ${chunkId} got one of ${vector.length}`);
          }
          this.vectorTable(indexId).put(chunkId, vector, chunk.embedded === 1);
          this.statements.markEmbedded.run(chunkId);
          stored++;
        }
        return stored;
      });
    } catch (error) {
      // A vector table made in the rolled-back transaction is gone again, and so are its statements.
      this.tables.delete(indexId);
      throw error;
    }
  }

  counts(indexId: number): IndexCounts {
    return { ...this.statements.documentCounts.get(indexId)!, ...this.statements.chunkCounts.get(indexId)! };
  }

  // ---- search ----

  /** The k chunks nearest the query by cosine similarity, nearest first. */
  search(indexId: number, query: Float32Array | readonly number[], k: number): SearchResult[] {
    if (!Number.isSafeInteger(k) || k < 1 || k > MAX_K) throw new LmqError('bad_request', `k must be a whole number from 1 to ${MAX_K}; got ${k}`);
    const row = this.statements.indexById.get(indexId);
    if (!row) throw new LmqError('not_found', `no index with id ${indexId}`);
    if (row.dimensions === null) return [];
    if (query.length !== row.dimensions) {
      throw new LmqError(
        'bad_request',
        `the query's embedding has ${query.length} dimensions but index ${row.name} holds vectors of ${row.dimensions}: was it embedded by another model than ${row.embedding_model}?`,
      );
    }
    let unit: Float32Array;
    try {
      unit = unitVector(query);
    } catch (error) {
      throw new LmqError('bad_request', `the query's embedding: ${(error as Error).message}`);
    }
    let table = this.searchTables.get(indexId);
    if (!table) {
      table = new VectorTable(this.searchDb, indexId);
      this.searchTables.set(indexId, table);
    }
    return table
      .search(unit, k)
      .flatMap(({ chunkId, score }) => {
        const chunk = this.statements.chunkForResult.get(chunkId);
        return chunk ? [{ document: chunk.path, chunk: chunk.ordinal, score, text: chunk.text }] : [];
      });
  }

  private vectorTable(indexId: number): VectorTable {
    let table = this.tables.get(indexId);
    if (!table) {
      table = new VectorTable(this.db, indexId);
      this.tables.set(indexId, table);
    }
    return table;
  }

  /** Closes the reader given at construction (the writer is the engine's). */
  close(): void {
    this.searchTables.clear();
    if (this.searchDb !== this.db) this.searchDb.close();
  }
}
