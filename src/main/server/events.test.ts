import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { readSseUntil, SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness, type JsonBody } from './testing/http-harness';

const SUBMIT = { kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } };

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Collects messages until `until` finds one. */
function nextMessage(socket: WebSocket, until: (message: JsonBody) => boolean): Promise<JsonBody> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (until(message)) {
        socket.off('message', onMessage);
        resolve(message);
      }
    };
    socket.on('message', onMessage);
  });
}

describe('events', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true } });
  });
  afterAll(() => h.close());

  it('streams job.updated and queue.changed over SSE', async () => {
    const response = await fetch(`${h.url}/api/events`, { headers: { authorization: `Bearer ${h.memberToken}` } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const submitted = await call(h, 'POST', '/api/jobs', { token: h.memberToken, body: SUBMIT });
    // `"succeeded"` alone would match the counts in queue.changed: wait for the job's state.
    const text = await readSseUntil(response, (t) => t.includes('"state":"succeeded"') && t.includes('event: queue.changed'));
    await response.body!.cancel();
    expect(text).toContain('event: job.updated');
    expect(text).toContain(submitted.body.job.id);
  });

  it('accepts ?token= for EventSource and refuses no token', async () => {
    expect((await fetch(`${h.url}/api/events`)).status).toBe(401);
    const response = await fetch(`${h.url}/api/events?token=${h.memberToken}`);
    expect(response.status).toBe(200);
    await response.body!.cancel();
  });

  it('pushes events over WebSocket and answers invoke messages', async () => {
    const socket = await openSocket(`${h.url.replace('http', 'ws')}/api/ws?token=${h.memberToken}`);
    try {
      const whoami = nextMessage(socket, (m) => m.id === 1);
      socket.send(JSON.stringify({ type: 'invoke', id: 1, name: 'session.whoami', args: {} }));
      expect(await whoami).toEqual({ id: 1, result: { owner: 'member', role: 'member', maxPriority: 7 } });

      const denied = nextMessage(socket, (m) => m.id === 'x');
      socket.send(JSON.stringify({ type: 'invoke', id: 'x', name: 'tokens.list', args: {} }));
      expect((await denied).error.code).toBe('forbidden');

      const invalid = nextMessage(socket, (m) => m.id === 2);
      socket.send(JSON.stringify({ type: 'invoke', id: 2, name: 'jobs.submit', args: { kind: 'chat' } }));
      expect((await invalid).error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('model') });

      const seen: JsonBody[] = [];
      socket.on('message', (data) => seen.push(JSON.parse(data.toString())));
      const submitted = nextMessage(socket, (m) => m.id === 3);
      socket.send(JSON.stringify({ type: 'invoke', id: 3, name: 'jobs.submit', args: SUBMIT }));
      const { result } = await submitted;
      // Matched by id: another test's job may finish while this one runs.
      await vi.waitFor(() => {
        expect(seen).toContainEqual(expect.objectContaining({ event: 'job.updated', payload: expect.objectContaining({ id: result.id, state: 'succeeded' }) }));
      }, SERVER_WAIT);

      const garbage = nextMessage(socket, (m) => m.id === null);
      socket.send('not json');
      expect((await garbage).error.code).toBe('bad_request');
    } finally {
      socket.close();
    }
  });

  it('counts each WebSocket invoke against the token\'s requests per minute', async () => {
    const limited = h.token({ name: 'ws-limited', role: 'member', requestsPerMinute: 3 });
    const socket = await openSocket(`${h.url.replace('http', 'ws')}/api/ws?token=${limited}`); // request 1
    try {
      const answers: JsonBody[] = [];
      for (const id of [1, 2, 3]) {
        const answer = nextMessage(socket, (m) => m.id === id);
        socket.send(JSON.stringify({ type: 'invoke', id, name: 'session.whoami', args: {} }));
        answers.push(await answer);
      }
      expect(answers.map((a) => a.result?.owner ?? a.error.code)).toEqual(['ws-limited', 'ws-limited', 'rate_limited']);
      expect(answers[2].error.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });

  it('revoking a token ends its event streams at once, and only its own', async () => {
    const doomed = h.token({ name: 'doomed', role: 'member' });
    const ws = await openSocket(`${h.url.replace('http', 'ws')}/api/ws?token=${doomed}`);
    const otherWs = await openSocket(`${h.url.replace('http', 'ws')}/api/ws?token=${h.memberToken}`);
    const sse = await fetch(`${h.url}/api/events?token=${doomed}`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const sseText = readSseUntil(sse, () => false); // reads until the server ends the stream
    try {
      await call(h, 'DELETE', '/api/tokens/doomed', { token: h.adminToken });
      expect(await closed).toEqual({ code: 4001, reason: 'the token was revoked' });
      expect(await sseText).toContain('the token was revoked');
      const still = nextMessage(otherWs, (m) => m.id === 'alive');
      otherWs.send(JSON.stringify({ type: 'invoke', id: 'alive', name: 'session.whoami', args: {} }));
      expect((await still).result.owner).toBe('member');
    } finally {
      ws.close();
      otherWs.close();
    }
  });

  it('authenticates the WebSocket upgrade by header or query', async () => {
    await expect(openSocket(`${h.url.replace('http', 'ws')}/api/ws`)).rejects.toThrow('HTTP 401');
    await expect(openSocket(`${h.url.replace('http', 'ws')}/api/ws?token=lmq_wrong`)).rejects.toThrow('HTTP 401');
    const socket = await openSocket(`${h.url.replace('http', 'ws')}/api/ws`, { authorization: `Bearer ${h.adminToken}` });
    socket.close();
  });
});
