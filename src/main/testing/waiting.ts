/** Test support for waiting on a real server: `vi.waitFor` options, and reading an event stream. */

/**
 * `vi.waitFor` options for a condition that a real server or the simulator brings about (real
 * time, under a shared CPU): longer than vi.waitFor's 1 s default, checked often.
 */
export const SERVER_WAIT = { timeout: 5_000, interval: 10 } as const;

/**
 * Reads `response`'s body until `until` matches the text read so far (or the stream ends), and
 * returns that text. The reader's lock is released, so a later call reads on from there; cancel
 * the body when done with an endless stream.
 */
export async function readSseUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!until(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return text;
  } finally {
    reader.releaseLock();
  }
}
