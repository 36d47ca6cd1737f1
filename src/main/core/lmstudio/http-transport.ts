/**
 * The transport for inference requests: node:http(s) over one keep-alive agent per client.
 * This hop is on every request's latency, and Node's fetch spends about a millisecond per
 * request building WHATWG Request/Response/stream objects, so the hot path talks to Node's
 * streams directly. Response bodies are handed over as they arrive, chunk by chunk.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

/** Well above any slot count LM Studio runs: a request queued inside the agent would wait unseen. */
const MAX_SOCKETS = 64;
const MAX_FREE_SOCKETS = 16;
/** Idle sockets close before servers drop them (Node servers: 5 s); a shorter announced keep-alive wins. */
const IDLE_SOCKET_MS = 4_000;
/** A reused idle socket can race the server closing it; such a request never got an answer and is sent again. */
const MAX_STALE_SOCKET_RETRIES = 2;
/** After the caller has all it needs, how long the rest of a body may take to drain before its socket is dropped. */
const DRAIN_MS = 1_000;

export interface HttpSendInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborting destroys the request and its socket, so the server sees the client go. */
  signal: AbortSignal;
}

export interface HttpTransport {
  /** Resolves with the response once its head arrives; the body is the caller's to read. */
  send(path: string, init: HttpSendInit): Promise<IncomingMessage>;
  /** Destroys every socket, in use or idle. */
  close(): void;
}

export function createHttpTransport(baseUrl: string): HttpTransport {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_SOCKET_MS };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const request = secure ? https.request : http.request;
  const { protocol, hostname, port, auth } = urlToHttpOptions(url);
  const basePath = url.pathname.replace(/\/+$/, '');

  function send(path: string, init: HttpSendInit, retries = 0): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const { signal } = init;
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const headers = body === undefined ? init.headers : { ...init.headers, 'content-length': String(body.length) };
      const req = request({ protocol, hostname, port, auth, agent, method: init.method, path: basePath + path, headers });
      const onAbort = (): void => {
        req.destroy(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
      let answered = false;
      // Stays attached for the request's life: a socket error after the answer must not crash the process.
      req.on('error', (error) => {
        if (!answered && req.reusedSocket && isStaleSocketError(error) && !signal.aborted && retries < MAX_STALE_SOCKET_RETRIES) {
          send(path, init, retries + 1).then(resolve, reject);
          return;
        }
        reject(error);
      });
      req.once('response', (response) => {
        answered = true;
        // The reader attaches its own handler; this one only keeps a late error from going unhandled.
        response.on('error', ignore);
        resolve(response);
      });
      req.end(body);
    });
  }

  return {
    send,
    close: () => agent.destroy(),
  };
}

/**
 * Passes the body to `onText` as it arrives (UTF-8, split anywhere) and resolves at its end.
 * `onText` returns false once it needs nothing more: the call resolves at once and the rest
 * drains in the background, so the socket can be reused. A throw from `onText` destroys the
 * response and rejects with it; a response cut off before its end rejects with the socket error.
 */
export function readBody(response: IncomingMessage, onText: (text: string) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    const detach = (): void => {
      response.removeListener('data', onData);
      response.removeListener('end', onEnd);
      response.removeListener('error', onError);
      response.removeListener('close', onClose);
    };
    const onData = (text: string): void => {
      let more: boolean | void;
      try {
        more = onText(text);
      } catch (error) {
        detach();
        response.destroy();
        reject(error);
        return;
      }
      if (more === false) {
        detach();
        drainQuietly(response);
        resolve();
      }
    };
    const onEnd = (): void => {
      detach();
      resolve();
    };
    const onError = (error: Error): void => {
      detach();
      reject(error);
    };
    // Node reports a dropped connection as an error first; this covers a response destroyed without one.
    const onClose = (): void => {
      detach();
      reject(Object.assign(new Error('The response closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    response.setEncoding('utf8');
    response.on('data', onData);
    response.once('end', onEnd);
    response.once('error', onError);
    response.once('close', onClose);
  });
}

/** The whole body as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  let text = '';
  await readBody(response, (chunk) => {
    text += chunk;
  });
  return text;
}

/** Reads what is left so the socket goes back to the pool; drops it if the end does not come soon. */
function drainQuietly(response: IncomingMessage): void {
  if (response.readableEnded) return;
  const timer = setTimeout(() => response.destroy(), DRAIN_MS);
  timer.unref();
  const done = (): void => clearTimeout(timer);
  response.once('end', done);
  response.once('close', done);
  response.resume();
}

/** The server closed an idle keep-alive socket just as we reused it. */
function isStaleSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('The request was aborted', { cause: signal.reason });
}

function ignore(): void {}
