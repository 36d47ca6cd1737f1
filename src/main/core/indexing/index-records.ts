/** The index tables: what the store keeps of an index, its documents and chunks, as rows and as records. */
import type { IndexSettings, SkippedFile } from '../../../shared/indexes';

export type { IndexSettings } from '../../../shared/indexes';

export interface IndexRecord extends IndexSettings {
  id: number;
  owner: string;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  lastJobId: string | null;
  skipped: SkippedFile[];
  /** Fixed by the first vector stored; null while there is none. */
  dimensions: number | null;
}

export type NewIndex = IndexSettings & { owner: string; now: number };
export interface IndexPatch {
  lastJobId?: string | null;
  skipped?: SkippedFile[];
  updatedAt?: number;
}

export interface StoredDocument {
  id: number;
  /** Relative to the indexed folder. */
  path: string;
  hash: string;
  bytes: number;
}

export interface NewChunk {
  ordinal: number;
  text: string;
  tokens: number;
}

export interface NewDocument {
  path: string;
  hash: string;
  bytes: number;
  chunks: readonly NewChunk[];
}

export interface PendingChunk {
  id: number;
  text: string;
  tokens: number;
}

export interface VectorEntry {
  chunkId: number;
  vector: Float32Array | readonly number[];
}

export interface IndexCounts {
  documents: number;
  chunks: number;
  /** Chunks with a vector. */
  embedded: number;
  bytes: number;
}

export interface IndexRow {
  id: number;
  name: string;
  path: string;
  embedding_model: string;
  chunk_tokens: number;
  overlap_tokens: number;
  include: string | null;
  owner: string;
  created_at: number;
  updated_at: number;
  last_job_id: string | null;
  skipped: string;
  dimensions: number | null;
}

export function toRecord(row: IndexRow): IndexRecord {
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    embeddingModel: row.embedding_model,
    chunkTokens: row.chunk_tokens,
    overlapTokens: row.overlap_tokens,
    include: row.include === null ? null : (JSON.parse(row.include) as string[]),
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastJobId: row.last_job_id,
    skipped: JSON.parse(row.skipped) as SkippedFile[],
    dimensions: row.dimensions,
  };
}
