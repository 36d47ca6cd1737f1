/** Why a backend call failed, and whether trying again can help. */
export const BACKEND_ERROR_CODES = [
  'unreachable', // connection refused/reset, DNS: LM Studio is not there
  'timeout', // no first token / no progress / total time exceeded
  'server_error', // 5xx
  'model_loading', // LM Studio is still loading the model
  'bad_request', // 400 and other 4xx that will fail again
  'model_not_found',
  'context_length', // prompt does not fit the model's context
  'unauthorized', // 401/403: LM Studio requires an API token (none sent, or a wrong one)
  'aborted', // our own cancel
  'protocol', // a response we could not understand
] as const;
export type BackendErrorCode = (typeof BACKEND_ERROR_CODES)[number];

/** `unauthorized` waits for LM Studio to accept us (the client stops sending meanwhile), like `unreachable`. */
const RETRYABLE: ReadonlySet<BackendErrorCode> = new Set(['unreachable', 'timeout', 'server_error', 'model_loading', 'unauthorized']);

export class BackendError extends Error {
  readonly code: BackendErrorCode;
  readonly retryable: boolean;
  readonly status: number | null;

  constructor(code: BackendErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.status = options.status ?? null;
  }
}

export function isBackendError(value: unknown): value is BackendError {
  return value instanceof BackendError;
}
