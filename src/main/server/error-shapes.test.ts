import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';
import { rawRequest } from './testing/raw-request';

const SUBMIT = { kind: 'chat', model: CHAT.model, input: { messages: CHAT.messages } };

// On the code before this change: 431 was {"error":"Request Header Fields Too Large",…,"statusCode":431},
// 415 said only "Unsupported Media Type", `priority: null` said "priority: Invalid input", 413 gave the limit in bytes only.
describe('error shapes and messages', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { bodyLimit: 1024 * 1024 } });
    h.engine.setPaused(true);
  });
  afterAll(() => h.close());

  it('answers headers too large (431) as {error: {code, message}}', async () => {
    const response = await rawRequest(h.url, 'GET', '/api/health', { headers: { 'x-padding': 'x'.repeat(20_000) } });
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.body).toEqual({ error: { code: 'headers_too_large', message: expect.stringContaining('headers are larger than') } });
  });

  it('says to send application/json (415)', async () => {
    const response = await call(h, 'POST', '/api/jobs', { body: JSON.stringify(SUBMIT), headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(response.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'request bodies must be JSON: send them with "Content-Type: application/json" (got "text/plain")',
    });
  });

  it('gives the body limit in MiB and the setting that raises it (413), in each API\'s shape', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const ours = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, input: { prompt: big } } });
    expect(ours.status).toBe(413);
    expect(ours.body.error.code).toBe('payload_too_large');
    expect(ours.body.error.message).toBe(
      "the request body is larger than the 1 MiB limit; the server's operator can raise it with --max-body-mb (env LMQ_MAX_BODY_MB)",
    );
    const anthropic = await call(h, 'POST', '/v1/messages', { body: { model: CHAT.model, max_tokens: 4, messages: [{ role: 'user', content: big }] } });
    expect(anthropic.status).toBe(413);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'request_too_large', message: expect.stringContaining('1 MiB limit') } });
  });

  it('names the field and what it expects when priority is null, and for a union such as runAt', async () => {
    const priority = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, priority: null } });
    expect(priority.status).toBe(400);
    expect(priority.body.error.message).toBe('priority: priority must be an integer 0-9 or one of background, low, normal, high, urgent, not null');
    const openai = await call(h, 'POST', '/v1/chat/completions', { body: { ...CHAT, priority: { level: 3 } } });
    expect(openai.body.error.message).toContain('priority must be an integer 0-9');
    const runAt = await call(h, 'POST', '/api/jobs', { body: { ...SUBMIT, runAt: null } });
    expect(runAt.body.error.message).toMatch(/^runAt: expected (string or number|number or string), received null$/);
  });
});
