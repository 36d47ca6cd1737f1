/**
 * An AbortController that also aborts when any parent signal does. Unlike AbortSignal.any, the
 * listeners are removed when the request ends, so a long-lived parent (the client's own close
 * signal) does not collect one listener per request over millions of requests.
 */
export interface AbortLink {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Drops the listeners on the parents; call when the request is over. */
  unlink(): void;
}

export function linkAbort(parents: readonly AbortSignal[]): AbortLink {
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  return {
    controller,
    signal: controller.signal,
    unlink: () => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}
