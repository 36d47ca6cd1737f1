/**
 * LM Studio's own REST API, for its SDKs and scripts: `/api/v1/chat` (typed events with prompt
 * and load progress) and REST v0 inference are queued like every other request; the model
 * listings are read through (cached briefly, never queued); loading, unloading and downloading
 * are LM Queue's business and refused. Errors leave in LM Studio's shape `{error: {type, message}}`.
 */
import { reshapeErrorBodies, sentMessage } from '../error-handling';
import type { FastifyInstance } from 'fastify';
import { isBackendError } from '../../core/lmstudio/errors';
import { LmqError } from '../../../shared/errors';
import { OPENAI_STREAM, registerQueuedPost } from './openai-routes';
import type { RelayOptions, StreamDialect } from './queued-relay';

/** How long a listing read through from LM Studio is served again: clients poll them. */
const LISTING_CACHE_MS = 2_000;

function nativeError(status: number, code: string, message: string): { error: { type: string; message: string; code: string } } {
  return { error: { type: status < 500 ? 'invalid_request' : 'internal_error', message, code } };
}

/** Native chat streams: typed events, our status as comments, chat.end is LM Studio's own end. */
export const NATIVE_CHAT_STREAM: StreamDialect = {
  forward: (stream, data, event) => (event === undefined ? stream.data(data) : stream.event(event, data)),
  waiting: (stream, text) => stream.comment(text),
  succeeded: () => {},
  failed: (stream, error) => stream.event('error', JSON.stringify({ type: 'error', ...nativeError(error.status, error.code, error.message) })),
};

/** Our error bodies in LM Studio's shape (keeping the code); LM Studio's own, read through, already are. */
function reshapeErrors(scope: FastifyInstance): void {
  reshapeErrorBodies(scope, (status, error) =>
    typeof error.type === 'string' || typeof error.code !== 'string' ? undefined : nativeError(status, error.code, sentMessage(error)),
  );
}

/** Reads a listing through to LM Studio, sharing one answer between callers for a moment. */
function listingReader(options: RelayOptions): (path: string) => Promise<{ status: number; body: unknown }> {
  const cache = new Map<string, { at: number; answer: Promise<{ status: number; body: unknown }> }>();
  return (path) => {
    const now = Date.now();
    const hit = cache.get(path);
    if (hit && now - hit.at < LISTING_CACHE_MS) return hit.answer;
    const answer = options.engine.readBackend(path);
    cache.set(path, { at: now, answer });
    // A failure is not kept: the next caller asks again.
    answer.catch(() => cache.delete(path));
    return answer;
  };
}

const QUEUED: ReadonlyArray<Parameters<typeof registerQueuedPost>[1]> = [
  { url: '/api/v1/chat', kind: 'native-chat', summary: "LM Studio's native chat, queued (typed events when stream: true)", tags: ['lmstudio'], stream: NATIVE_CHAT_STREAM },
  { url: '/api/v0/chat/completions', kind: 'v0-chat', summary: 'REST v0 chat completion, queued', tags: ['lmstudio'], stream: OPENAI_STREAM },
  { url: '/api/v0/completions', kind: 'v0-completion', summary: 'REST v0 text completion, queued', tags: ['lmstudio'], stream: OPENAI_STREAM },
  { url: '/api/v0/embeddings', kind: 'v0-embedding', summary: 'REST v0 embeddings, queued', tags: ['lmstudio'], stream: null },
];

const LISTINGS = ['/api/v0/models', '/api/v1/models'] as const;

/** LM Studio's endpoints that change what is loaded or on disk. */
const MODEL_MANAGEMENT = ['/api/v1/models/load', '/api/v1/models/unload', '/api/v1/models/download', '/api/v1/models/download/*'];

export async function registerLmStudioNativeRoutes(app: FastifyInstance, options: RelayOptions): Promise<void> {
  const readListing = listingReader(options);
  await app.register(async (scope) => {
    reshapeErrors(scope);
    for (const endpoint of QUEUED) registerQueuedPost(scope, endpoint, options);

    const readThrough = async (path: string, reply: { code(status: number): unknown }) => {
      try {
        const answer = await readListing(path);
        reply.code(answer.status);
        return answer.body;
      } catch (error) {
        throw new LmqError('backend_error', isBackendError(error) ? error.message : `LM Studio did not answer ${path}`);
      }
    };
    for (const listing of LISTINGS) {
      scope.get(listing, { schema: { summary: "LM Studio's model listing, read through (not queued)", tags: ['lmstudio'] } }, (_request, reply) => readThrough(listing, reply));
    }
    scope.get('/api/v0/models/*', { schema: { summary: 'One model from LM Studio, read through (not queued)', tags: ['lmstudio'] } }, (request, reply) => {
      const id = (request.params as { '*': string })['*'];
      return readThrough(`/api/v0/models/${encodeURIComponent(id)}`, reply);
    });
    for (const path of MODEL_MANAGEMENT) {
      scope.route({
        method: ['GET', 'POST'],
        url: path,
        schema: { summary: 'Refused: LM Queue loads and unloads models itself', tags: ['lmstudio'] },
        handler: () => {
          throw new LmqError(
            'forbidden',
            `${path.replace('/*', '')} is not offered through LM Queue: LM Queue owns loading and unloading (it loads a model when queued work needs it; --pin-model keeps one loaded). Manage models in LM Studio itself.`,
          );
        },
      });
    }
  });
}
