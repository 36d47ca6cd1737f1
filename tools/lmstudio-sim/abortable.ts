/** Timers and promises that give way to an AbortSignal, as every simulated wait must. */

export class SimAbortError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'SimAbortError';
  }
}

/** Resolves once the promise settles, whichever way. */
export function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

/** Resolves after `ms` real milliseconds, or rejects with SimAbortError when a signal aborts first. */
export function sleepReal(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signals.some((s) => s.aborted)) {
      reject(new SimAbortError());
      return;
    }
    const cleanup = (): void => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      clearTimeout(timer);
      cleanup();
      reject(new SimAbortError());
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve();
    }, ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

/** The promise's outcome, or SimAbortError as soon as the signal aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new SimAbortError());
      return;
    }
    const onAbort = (): void => reject(new SimAbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
