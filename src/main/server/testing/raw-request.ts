/**
 * An HTTP request with headers fetch will not send as given (Host), for tests of what a
 * browser behind DNS rebinding, or a hand-made client, would send.
 */
import http from 'node:http';
import WebSocket from 'ws';
import type { JsonBody } from './http-harness';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: JsonBody;
  text: string;
}

export function rawRequest(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url + path, { method, headers: options.headers ?? {} }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Opens a WebSocket with the given headers: the open socket, or the HTTP status it was refused with. */
export function openRawSocket(url: string, headers: Record<string, string>): Promise<{ socket: WebSocket } | { refused: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ refused: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}
