import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import secureJsonParse from 'secure-json-parse';
import { httpErrorResponse } from '../api/http-adapter';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { badRequestFromIssues } from '../api/api-errors';
import { isLmqError } from '../../shared/errors';
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
  return badRequestFromIssues(issues.map((issue) => ({ path: issue.instancePath.split('/').filter(Boolean), message: issue.message ?? 'invalid' })));
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
    if (hasZodFastifySchemaValidationErrors(error)) {
      const response = httpErrorResponse(badRequestFromValidation(error.validation));
      return reply.code(response.status).send(response.body);
    }
    if (isLmqError(error) || error instanceof ZodError) {
      const response = httpErrorResponse(error);
      if (response.status >= 500) logger?.error({ err: error, method: request.method, path: pathOf(request.url) }, 'request failed');
      return reply.code(response.status).headers(response.headers).send(response.body);
    }
    if (isFastifyClientError(error)) {
      const status = error.statusCode;
      const code = CODE_FOR_STATUS[status] ?? 'bad_request';
      const message =
        status === 413 ? `the request body is larger than the ${bodyLimit}-byte limit` : error.message;
      return reply.code(status).send({ error: { code, message } });
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
