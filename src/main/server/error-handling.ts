import type { FastifyError, FastifyInstance } from 'fastify';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import secureJsonParse from 'secure-json-parse';
import { httpErrorResponse } from '../api/http-adapter';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { badRequestFromIssues, type IssueLike } from '../api/api-errors';
import { isLmqError, LmqError } from '../../shared/errors';
import { storageErrorCode, storageStatusOf } from '../core/store/storage-health';
import { ZodError } from 'zod';

/** Fastify's own 4xx errors, in our vocabulary. */
const CODE_FOR_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

function isFastifyClientError(error: unknown): error is FastifyError & { statusCode: number } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** A request that failed its route's schema, said as the dispatcher says it ("priority: ..."). */
function badRequestFromValidation(issues: readonly ZodFastifySchemaValidationError[]) {
  return badRequestFromIssues(
    issues.map((issue) => ({
      path: issue.instancePath.split('/').filter(Boolean),
      message: issue.message ?? 'invalid',
      code: issue.keyword,
      errors: (issue.params as { errors?: IssueLike['errors'] } | undefined)?.errors,
    })),
  );
}

const MIB = 1024 * 1024;

/** "4 MiB", or the bytes when the limit is not a whole number of MiB. */
export function describeBodyLimit(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes}-byte`;
}

function tooLargeMessage(bodyLimit: number): string {
  return `the request body is larger than the ${describeBodyLimit(bodyLimit)} limit; the server's operator can raise it with --max-body-mb (env LMQ_MAX_BODY_MB)`;
}

function unsupportedMediaMessage(contentType: string | undefined): string {
  const given = contentType ? `got "${contentType.slice(0, 100)}"` : 'got none';
  return `request bodies must be JSON: send them with "Content-Type: application/json" (${given})`;
}

/** Path without the query string: `?token=` must never reach a log. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Every error leaves as `{error: {code, message}}`: ours (LmqError, zod), Fastify's (body too
 * large, bad content type, malformed JSON) and the unexpected (500, logged, message withheld).
 */
export function registerErrorHandling(app: FastifyInstance, logger: Logger | undefined, bodyLimit: number): void {
  app.setErrorHandler((error, request, reply) => {
    // A refused WebSocket upgrade's socket is no longer the HTTP server's to close (nor to wait
    // for on close): end it once the refusal is out.
    if (request.headers.upgrade !== undefined) {
      reply.header('connection', 'close');
      reply.raw.once('finish', () => request.raw.socket.end());
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const response = httpErrorResponse(badRequestFromValidation(error.validation));
      return reply.code(response.status).send(response.body);
    }
    if (isLmqError(error) || error instanceof ZodError) {
      const response = httpErrorResponse(error);
      // Expected answers (shutting down, queue full) are the client's news, not a fault of ours.
      if (response.status >= 500) logger?.debug({ code: response.body.error.code, method: request.method, path: pathOf(request.url) }, 'request refused');
      return reply.code(response.status).headers(response.headers).send(response.body);
    }
    if (isFastifyClientError(error)) {
      const status = error.statusCode;
      const code = CODE_FOR_STATUS[status] ?? 'bad_request';
      const message =
        status === 413 ? tooLargeMessage(bodyLimit) : status === 415 ? unsupportedMediaMessage(request.headers['content-type']) : error.message;
      return reply.code(status).send({ error: { code, message } });
    }
    const storage = storageStatusOf(error);
    if (storage !== null) {
      // A route's own write (a token, a schedule, a file's record) that the data directory
      // refused: the 503 the engine gives new work then, not an internal error.
      logger?.warn({ code: (error as { code?: string }).code, method: request.method, path: pathOf(request.url) }, 'a write to the data directory failed');
      const response = httpErrorResponse(
        new LmqError(storageErrorCode(storage), `LM Queue could not write its data directory (${(error as { code?: string }).code}: ${(error as Error).message}); try again once it takes writes`, { retryAfterSeconds: 10 }),
      );
      return reply.code(response.status).headers(response.headers).send(response.body);
    }
    logger?.error({ err: error, method: request.method, path: pathOf(request.url) }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
}

/**
 * JSON bodies: an empty body is "no arguments" rather than an error, and a malformed one is a 400
 * that says why. Parsed by secure-json-parse, as Fastify's default parser is: `__proto__` and
 * `constructor.prototype` keys are refused.
 */
export function registerJsonParser(app: FastifyInstance, bodyLimit: number): void {
  // Bodies are JSON only: anything else is 415 rather than a string handed to a handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJsonParse(text) as unknown);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const badRequest = Object.assign(new Error(`the request body is not valid JSON: ${reason}`), { statusCode: 400 });
      done(badRequest, undefined);
    }
  });
}

/** What Node refuses before Fastify sees a request (headers too large, not HTTP), said in our error shape. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: () => string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: () => `the request's headers are larger than the server's ${maxHeaderSize}-byte limit: send fewer or shorter headers (cookies, long tokens)`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: () => 'the request did not arrive in time' },
};

/**
 * Fastify's `clientErrorHandler`: a socket whose request Node could not parse gets one JSON
 * answer `{error: {code, message}}` (Fastify's default says `{"error": "...", "statusCode": ...}`).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''];
  const status = known?.status ?? 400;
  const body = JSON.stringify({
    error: { code: known?.code ?? 'bad_request', message: known?.message() ?? 'the request is not valid HTTP' },
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The `error` object of one of our error bodies, as parsed: every field unchecked. */
export interface SentError {
  code?: unknown;
  message?: unknown;
  type?: unknown;
}

/** Its message, or a generic one. */
export function sentMessage(error: SentError): string {
  return typeof error.message === 'string' ? error.message : 'request failed';
}

/**
 * Rewrites our `{error: {code, message}}` bodies in a route scope, whoever sent them (a route,
 * auth, validation, limits), into the shape of the API that scope speaks. `reshape` returns the
 * new body, or undefined to send the body as it is (one already in that shape).
 */
export function reshapeErrorBodies(scope: FastifyInstance, reshape: (status: number, error: SentError) => unknown): void {
  scope.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return done(null, payload);
    let body: { error?: SentError };
    try {
      body = JSON.parse(payload) as typeof body;
    } catch {
      return done(null, payload);
    }
    const reshaped = reshape(reply.statusCode, body.error ?? {});
    done(null, reshaped === undefined ? payload : JSON.stringify(reshaped));
  });
}
