import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const ORIGIN = 'http://chat.lan:3000';

/** A browser's preflight for a POST carrying the OpenAI SDK's headers. */
const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-stainless-os,x-lmq-priority',
    },
  });

describe('CORS', () => {
  let h: HttpHarness;
  let closed: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true, corsOrigins: [ORIGIN] } });
    closed = await startHttpHarness({ server: { requireAuth: true } });
  });
  afterAll(async () => {
    await h.close();
    await closed.close();
  });

  it('answers an allowed origin\'s preflight without a token, allowing the headers it asked for', async () => {
    const response = await preflight(`${h.url}/v1/chat/completions`, ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('x-stainless-os');
  });

  it('lets the page read the job id of a real request, which still needs a token', async () => {
    const init = { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify(CHAT) };
    expect((await fetch(`${h.url}/v1/chat/completions`, init)).status).toBe(401);
    const response = await fetch(`${h.url}/v1/chat/completions`, { ...init, headers: { ...init.headers, authorization: `Bearer ${h.memberToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-lmq-job-id');
    expect(response.headers.get('x-lmq-job-id')).toMatch(/^job_/);
  });

  it('gives other origins, and servers without the option, no CORS headers', async () => {
    const stranger = await preflight(`${h.url}/v1/chat/completions`, 'http://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const response = await preflight(`${closed.url}/v1/chat/completions`, ORIGIN);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
