/** A failed call as the UI sees it, whichever transport carried it. */
export class BridgeError extends Error {
  readonly code: string;
  /** HTTP status when the HTTP bridge carried it; null over IPC or when the network failed. */
  readonly status: number | null;

  constructor(code: string, message: string, status: number | null = null) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
    this.status = status;
  }
}

/** Anything a call rejected with → BridgeError (IPC rejects with plain `{code, message}` objects). */
export function toBridgeError(reason: unknown): BridgeError {
  if (reason instanceof BridgeError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message } = reason as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && typeof message === 'string') return new BridgeError(code, message);
    if (typeof message === 'string') return new BridgeError('internal', message);
  }
  return new BridgeError('internal', typeof reason === 'string' ? reason : 'something went wrong');
}

/** Reads `{error:{code,message}}` from a failed HTTP response body. */
export function errorFromBody(status: number, body: unknown): BridgeError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new BridgeError(error.code, error.message, status);
  }
  return new BridgeError(status === 401 ? 'unauthorized' : 'internal', `the server answered HTTP ${status}`, status);
}
