/**
 * Turns whatever went wrong talking to LM Studio into a BackendError with a code the engine can
 * act on. LM Studio reports errors as `{error: "text"}` or `{error: {message}}`, sometimes with
 * HTTP 200, so the message is consulted before the status.
 */
import { BackendError, isBackendError, type BackendErrorCode } from './errors';

export interface FailureContext {
  /** The LM Studio base URL. */
  url: string;
  /** What we were doing, e.g. `chat request for model "qwen"`. */
  operation: string;
}

const MESSAGE_PATTERNS: ReadonlyArray<readonly [RegExp, BackendErrorCode]> = [
  [/context length|context window|context the overflows|context overflow|n_ctx|maximum context/i, 'context_length'],
  // Nothing loaded (JIT off, or a TTL evicted it): loading it again and retrying can help.
  [/no models? (are )?loaded/i, 'model_loading'],
  [/(still|currently|is being|is) loading|model loading|loading the model|not yet loaded/i, 'model_loading'],
  [/model_not_found|invalid model identifier|model .*not found|model not found|unknown model|does not exist/i, 'model_not_found'],
  [/unexpected endpoint or method/i, 'bad_request'],
];

const ERROR_CODES_BY_FIELD: Readonly<Record<string, BackendErrorCode>> = {
  model_not_found: 'model_not_found',
  context_length_exceeded: 'context_length',
};

/**
 * Network-level failures: LM Studio is not there (or went away mid-response). node:http reports
 * a connection dropped before the answer as "socket hang up" and one dropped mid-body as
 * "aborted", both ECONNRESET; undici (fetch) wraps the system error in a TypeError's cause.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** The message of LM Studio's error payloads, in any of the shapes it uses; null when there is none. */
export function extractErrorMessage(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const error = (payload as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    return JSON.stringify(error);
  }
  return null;
}

export function codeFromMessage(message: string): BackendErrorCode | null {
  for (const [pattern, code] of MESSAGE_PATTERNS) if (pattern.test(message)) return code;
  return null;
}

function codeFromStatus(status: number): BackendErrorCode {
  if (status === 408 || status === 504) return 'timeout';
  // 429 means busy, not wrong: worth retrying later.
  if (status === 429 || status >= 500) return 'server_error';
  if (status >= 400) return 'bad_request';
  // An error inside an HTTP 200 (LM Studio does this for crashes and mid-stream failures).
  if (status >= 200 && status < 300) return 'server_error';
  return 'protocol';
}

/** An HTTP answer (any status) that carries or implies an error. */
export function errorFromResponse(status: number, payload: unknown, ctx: FailureContext): BackendError {
  const message = extractErrorMessage(payload) ?? (typeof payload === 'string' && payload.trim() !== '' ? payload.trim().slice(0, 500) : null);
  const statusText = status === 200 ? 'an error in an HTTP 200 answer' : `HTTP ${status}`;
  const detail = message ?? 'no error message';
  // Whatever the message says, 401/403 is LM Studio's "Require Authentication" refusing us.
  if (status === 401 || status === 403) {
    return new BackendError('unauthorized', `LM Studio requires an API token: LM Studio at ${ctx.url} answered ${statusText} to the ${ctx.operation}: ${detail}`, { status });
  }
  const fieldCode = readErrorCodeField(payload);
  const code = (fieldCode === null ? undefined : ERROR_CODES_BY_FIELD[fieldCode]) ?? (message ? codeFromMessage(message) : null) ?? codeFromStatus(status);
  return new BackendError(code, `LM Studio at ${ctx.url} answered ${statusText} to the ${ctx.operation}: ${detail}`, { status });
}

/** A thrown error from node:http, fetch, or reading a body. BackendErrors pass through unchanged. */
export function errorFromThrown(error: unknown, ctx: FailureContext): BackendError {
  if (isBackendError(error)) return error;
  const code = findSystemErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code && UNREACHABLE_CODES.has(code)) {
    return new BackendError('unreachable', `LM Studio at ${ctx.url} is unreachable (${code}) during the ${ctx.operation}`, { cause: error });
  }
  // undici reports connection failures as TypeError "fetch failed" and dropped bodies as "terminated".
  if (error instanceof TypeError && /fetch failed|terminated|network/i.test(message)) {
    return new BackendError('unreachable', `LM Studio at ${ctx.url} is unreachable (${message}) during the ${ctx.operation}`, { cause: error });
  }
  // llhttp's parse errors (HPE_INVALID_CONSTANT, ...): something answered, but not in HTTP.
  if (code?.startsWith('HPE_')) {
    return new BackendError('protocol', `LM Studio at ${ctx.url} answered with something that is not HTTP during the ${ctx.operation}: ${message}`, { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new BackendError('protocol', `LM Studio at ${ctx.url} sent something we could not parse during the ${ctx.operation}: ${message}`, { cause: error });
  }
  return new BackendError('protocol', `Unexpected failure talking to LM Studio at ${ctx.url} during the ${ctx.operation}: ${message}`, { cause: error });
}

/** Walks `cause` chains and AggregateErrors (dual-stack connects) for a Node/undici error code. */
function findSystemErrorCode(error: unknown, depth = 0): string | null {
  if (depth > 5 || typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = findSystemErrorCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findSystemErrorCode((error as { cause?: unknown }).cause, depth + 1);
}

function readErrorCodeField(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const error = (payload as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}
