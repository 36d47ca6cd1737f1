/**
 * OpenAI's Files and Batch APIs: `/v1/files` (multipart upload, streamed to disk) and
 * `/v1/batches` (each request line a child job of one parent job, in the batch lane). Files and
 * batches belong to their token's owner: members see and act on their own, admins on all.
 * Errors leave in OpenAI's shape `{error: {message, type, param, code}}`.
 */
import { reshapeErrorBodies, sentMessage } from '../error-handling';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BatchListQuerySchema, CreateBatchSchema, OpenAiBatchSchema, OpenAiFileSchema } from '../../../shared/batch';
import { LmqError } from '../../../shared/errors';
import { parsePriority } from '../../../shared/priority';
import type { BatchViewer } from '../../core/batches/batches';
import { fileObject } from '../../core/batches/openai-objects';
import type { Upload } from '../../core/batches/file-store';
import type { Engine } from '../../core/engine-api';
import { callerOf } from '../auth';

/** OpenAI's limit for a batch input file. */
export const DEFAULT_MAX_FILE_BYTES = 200_000_000;

export interface OpenAiBatchRouteOptions {
  engine: Engine;
  /** Largest upload in bytes; default 200 MB. */
  maxFileBytes?: number;
}

/** OpenAI's error types by HTTP status. */
function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The field an error names, when its message starts with one ("endpoint: ..."). */
function paramOf(message: string): string | null {
  return /^([a-z_][a-z0-9_.]*): /i.exec(message)?.[1] ?? null;
}

/** Our error bodies, whoever sent them, in OpenAI's shape. */
function reshapeErrors(scope: FastifyInstance): void {
  reshapeErrorBodies(scope, (status, error) => {
    const message = sentMessage(error);
    return { error: { message, type: openAiErrorType(status), param: paramOf(message), code: typeof error.code === 'string' ? error.code : null } };
  });
}

function viewerOf(request: FastifyRequest): BatchViewer {
  const caller = callerOf(request);
  return { owner: caller.owner, role: caller.role, maxPriority: caller.maxPriority };
}

/** OpenAI's list envelope (the SDKs page on `has_more` and the last id). */
function listOf<T extends { id: string }>(data: T[], hasMore: boolean) {
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
}

const IdParams = z.object({ id: z.string().min(1).max(100) });
const FileListQuery = z.object({
  purpose: z.string().max(64).optional(),
  after: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  order: z.enum(['asc', 'desc']).default('desc'),
});
const TAGS = ['openai-batch'];

function registerFileRoutes(scope: FastifyInstance, engine: Engine, maxFileBytes: number): void {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.post('/v1/files', { config: { createsWork: true }, schema: { summary: 'Upload a file (multipart: file, purpose=batch)', tags: TAGS, consumes: ['multipart/form-data'] } }, async (request) => {
    if (!request.isMultipart()) throw new LmqError('bad_request', 'file: send the file as multipart/form-data with fields "file" and "purpose"');
    const viewer = viewerOf(request);
    const fields: Record<string, string> = {};
    let upload: Upload | null = null;
    let filename = 'upload.jsonl';
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          continue;
        }
        filename = part.filename || filename;
        upload = await engine.batches.files.receive(part.file, maxFileBytes);
        if (part.file.truncated) throw new LmqError('payload_too_large', `file: larger than the ${maxFileBytes}-byte limit`);
      }
    } catch (error) {
      if (upload) engine.batches.files.discard(upload);
      if ((error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') throw new LmqError('payload_too_large', `file: larger than the ${maxFileBytes}-byte limit`);
      throw error;
    }
    if (!upload) throw new LmqError('bad_request', 'file: the form has no "file" part');
    if (fields.purpose !== 'batch') {
      engine.batches.files.discard(upload);
      throw new LmqError('bad_request', `purpose: LM Queue stores files for the Batch API only: purpose must be "batch"${fields.purpose ? `, got "${fields.purpose}"` : ''}`);
    }
    const file = engine.batches.addFile(upload, { owner: viewer.owner, filename: filename.slice(0, 255), purpose: 'batch' });
    await engine.durable();
    return fileObject(file);
  });

  app.get('/v1/files', { schema: { summary: 'Your files (an admin: everyone\'s), newest first', tags: TAGS, querystring: FileListQuery } }, (request) => {
    const viewer = viewerOf(request);
    const page = engine.batches.files.list({ ...request.query, ...(viewer.role === 'admin' ? {} : { owner: viewer.owner }) });
    return listOf(page.files.map(fileObject), page.hasMore);
  });

  app.get('/v1/files/:id', { schema: { summary: 'One file', tags: TAGS, params: IdParams, response: { 200: OpenAiFileSchema } } }, (request) =>
    fileObject(engine.batches.visibleFile(viewerOf(request), request.params.id)),
  );

  // `?token=` too: a link in the web UI cannot set a header.
  app.get('/v1/files/:id/content', { config: { queryToken: true }, schema: { summary: "A file's bytes (streamed from disk; ?token= accepted for links)", tags: TAGS, params: IdParams } }, (request, reply) => {
    const file = engine.batches.visibleFile(viewerOf(request), request.params.id);
    return reply
      .header('content-type', 'application/jsonl; charset=utf-8')
      .header('content-length', String(file.bytes))
      .header('content-disposition', `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`)
      .send(engine.batches.files.open(file.id));
  });

  app.delete('/v1/files/:id', { schema: { summary: 'Delete a file', tags: TAGS, params: IdParams } }, async (request) => {
    await engine.batches.deleteFile(viewerOf(request), request.params.id);
    return { id: request.params.id, object: 'file', deleted: true };
  });
}

const PriorityHeaders = z.looseObject({ 'x-lmq-priority': z.string().optional().describe('0-9 or background|low|normal|high|urgent; wins over metadata.priority') });

/** The header wins over metadata.priority; either must be a priority. */
function priorityFrom(header: string | undefined, metadata: Record<string, string> | null | undefined): number | null {
  const given = header ?? metadata?.priority;
  if (given === undefined) return null;
  const priority = parsePriority(given);
  if (priority === null) throw new LmqError('bad_request', `priority: must be an integer 0-9 or one of background, low, normal, high, urgent; got "${given}"`);
  return priority;
}

function registerBatchRoutes(scope: FastifyInstance, engine: Engine): void {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/v1/batches',
    { config: { createsWork: true }, schema: { summary: 'Create a batch from an uploaded file (its lines become child jobs in the batch lane)', tags: TAGS, body: CreateBatchSchema, headers: PriorityHeaders, response: { 200: OpenAiBatchSchema } } },
    async (request) => {
      const priority = priorityFrom(request.headers['x-lmq-priority'], request.body.metadata);
      const batch = engine.batches.create(viewerOf(request), request.body, priority);
      await engine.durable();
      return batch;
    },
  );

  app.get('/v1/batches', { schema: { summary: 'Your batches (an admin: everyone\'s), newest first', tags: TAGS, querystring: BatchListQuerySchema } }, (request) => {
    const page = engine.batches.list(viewerOf(request), request.query);
    return listOf(page.data, page.hasMore);
  });

  app.get('/v1/batches/:id', { schema: { summary: 'One batch', tags: TAGS, params: IdParams, response: { 200: OpenAiBatchSchema } } }, (request) =>
    engine.batches.get(viewerOf(request), request.params.id),
  );

  app.post('/v1/batches/:id/cancel', { schema: { summary: 'Cancel a batch (cancelling, then cancelled once no request runs)', tags: TAGS, params: IdParams, response: { 200: OpenAiBatchSchema } } }, async (request) => {
    const batch = engine.batches.cancel(viewerOf(request), request.params.id);
    await engine.durable();
    return batch;
  });
}

export async function registerOpenAiBatchRoutes(app: FastifyInstance, options: OpenAiBatchRouteOptions): Promise<void> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  await app.register(async (scope) => {
    reshapeErrors(scope);
    await scope.register(fastifyMultipart, { limits: { fileSize: maxFileBytes, files: 1, fields: 10, fieldSize: 1024 } });
    registerFileRoutes(scope, options.engine, maxFileBytes);
    registerBatchRoutes(scope, options.engine);
  });
}
