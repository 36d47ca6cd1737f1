/**
 * Indexes: a folder of documents inside an index root, chunked, embedded by child jobs of a
 * parent job of kind `index`, and searched by vector similarity. Shared by the server, the
 * engine's index layer and the Indexes tab.
 */
import { z } from 'zod';

export const INDEX_STAGES = ['scan', 'extract', 'chunk', 'embed', 'store'] as const;
export type IndexStage = (typeof INDEX_STAGES)[number];

/** The formats an index reads, by file extension (lower case). */
export const INDEXED_EXTENSIONS = ['.txt', '.md', '.html', '.htm', '.pdf', '.docx'] as const;

/** Index jobs that run at once (the old design's concurrency limit of two). */
export const DEFAULT_MAX_INDEX_JOBS = 2;
export const DEFAULT_CHUNK_TOKENS = 400;
export const DEFAULT_OVERLAP_TOKENS = 50;
export const MAX_CHUNK_TOKENS = 8_000;
/** Files larger than this are skipped (and listed), unless the server says otherwise. */
export const DEFAULT_MAX_INDEX_FILE_BYTES = 50_000_000;

/** Why a file was not indexed; listed in the index and in its job's result. */
export const SKIP_REASONS = ['hidden', 'too_large', 'unreadable', 'outside_root', 'unsupported', 'extract_failed', 'empty'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedFile {
  /** Relative to the indexed folder, with forward slashes. */
  path: string;
  reason: SkipReason;
  message: string;
}

export const IndexNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'name may contain letters, digits and . _ @ - only');

export const CreateIndexSchema = z
  .object({
    name: IndexNameSchema,
    /** A folder inside one of the server's index roots (absolute, or relative to the first root). */
    path: z.string().min(1).max(4096),
    embeddingModel: z.string().trim().min(1).max(200),
    chunkTokens: z.number().int().min(16).max(MAX_CHUNK_TOKENS).optional(),
    overlapTokens: z.number().int().min(0).max(MAX_CHUNK_TOKENS).optional(),
    /** Glob patterns relative to the folder (picomatch); none: every supported file. */
    include: z.array(z.string().min(1).max(500)).max(100).optional(),
  })
  // overlapTokens < chunkTokens is checked by the handler: the HTTP adapter derives route schemas from this one, and refinements would not survive.
  .strict();
export type CreateIndexRequest = z.infer<typeof CreateIndexSchema>;

export const SearchIndexSchema = z
  .object({
    query: z.string().min(1).max(32_000),
    k: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type SearchIndexRequest = z.infer<typeof SearchIndexSchema>;

/** What an index is made from: the same for the store's record and the API's view. */
export interface IndexSettings {
  name: string;
  /** The folder's real path. */
  path: string;
  embeddingModel: string;
  chunkTokens: number;
  overlapTokens: number;
  include: string[] | null;
}

export interface IndexView extends IndexSettings {
  owner: string;
  documents: number;
  chunks: number;
  /** Chunks with a vector (searchable); below `chunks` while an index job embeds. */
  embedded: number;
  /** Bytes of the indexed documents. */
  bytes: number;
  createdAt: string;
  updatedAt: string;
  lastJobId: string | null;
  skipped: SkippedFile[];
}

export interface SearchResult {
  /** The document's path relative to the indexed folder. */
  document: string;
  /** The chunk's ordinal within its document, from 0. */
  chunk: number;
  /** Cosine similarity, higher is nearer. */
  score: number;
  text: string;
}
