/** Error codes every transport understands; the HTTP adapter maps them to statuses. */
export const ERROR_STATUS = {
  bad_request: 400,
  unknown_model: 400,
  unauthorized: 401,
  forbidden: 403,
  /** The Host header is not one of this server's names (DNS rebinding). */
  forbidden_host: 403,
  /** A web page from elsewhere asked to act as this machine's user without a token. */
  forbidden_origin: 403,
  priority_not_allowed: 403,
  not_found: 404,
  /** No --index-root is configured: the index endpoints say how to turn indexing on. */
  indexing_disabled: 404,
  invalid_state: 409,
  /** An Idempotency-Key whose first request is a stream that has not finished. */
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  /** An Idempotency-Key seen within a day with a different request. */
  idempotency_key_reused: 422,
  rate_limited: 429,
  too_many_queued: 429,
  internal: 500,
  backend_error: 502,
  queue_full: 503,
  shutting_down: 503,
  /** The data directory's disk is full, or it turned read-only: no new work until writes succeed. */
  storage_full: 503,
  storage_read_only: 503,
  storage_failed: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An expected failure with a stable code; safe to show to the caller. */
export class LmqError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number; details?: unknown } = {}) {
    super(message);
    this.name = 'LmqError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export function isLmqError(value: unknown): value is LmqError {
  return value instanceof LmqError;
}
