import { z } from 'zod';
import { CreateIndexSchema, IndexNameSchema, SKIP_REASONS } from '../indexes';
import { JobSchema } from '../job';
import { handlerSpec, NoArgsSchema } from './handler-spec';

export const IndexNameArgsSchema = z.object({ name: IndexNameSchema }).strict();

const SkippedFileSchema = z.object({ path: z.string(), reason: z.enum(SKIP_REASONS), message: z.string() });

export const IndexViewSchema = z.object({
  name: z.string(),
  path: z.string(),
  embeddingModel: z.string(),
  chunkTokens: z.number().int(),
  overlapTokens: z.number().int(),
  include: z.array(z.string()).nullable(),
  owner: z.string(),
  documents: z.number().int(),
  chunks: z.number().int(),
  embedded: z.number().int(),
  bytes: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastJobId: z.string().nullable(),
  skipped: z.array(SkippedFileSchema),
});

export const SearchResultSchema = z.object({ document: z.string(), chunk: z.number().int(), score: z.number(), text: z.string() });

export const SearchIndexArgsSchema = z
  .object({ name: IndexNameSchema, query: z.string().min(1).max(32_000), k: z.number().int().min(1).max(100).default(10) })
  .strict();

/** Members create indexes inside the roots and search any; only an index's owner or an admin re-reads or deletes it. */
export const INDEX_HANDLERS = {
  'indexes.create': handlerSpec({
    args: CreateIndexSchema,
    result: z.object({ index: IndexViewSchema, job: JobSchema }),
    createsWork: true,
    summary: 'Index a folder inside the index roots (or read it again): a parent job of kind index whose children are embedding requests',
  }),
  'indexes.list': handlerSpec({ args: NoArgsSchema, result: z.array(IndexViewSchema), summary: 'Every index, with its document and chunk counts' }),
  'indexes.get': handlerSpec({ args: IndexNameArgsSchema, result: IndexViewSchema, summary: 'An index with its counts and the files it skipped' }),
  'indexes.delete': handlerSpec({
    args: IndexNameArgsSchema,
    result: z.object({ deleted: z.string() }),
    summary: "Delete an index and its vectors (its owner's or an admin's); an unfinished index job is canceled",
  }),
  'indexes.search': handlerSpec({
    args: SearchIndexArgsSchema,
    result: z.object({ results: z.array(SearchResultSchema) }),
    createsWork: true,
    summary: "The k chunks nearest to the query (embedded by the index's model as an interactive job)",
  }),
};
