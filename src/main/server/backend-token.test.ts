import { afterEach, describe, expect, it, vi } from 'vitest';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const LM_STUDIO_TOKEN = 'sk-lm-4f9a2c';

describe('LM Studio with "Require Authentication" on', () => {
  const harnesses: HttpHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
  });

  it('without a backend token: the backend state says a token is needed, jobs wait, and LM Studio is probed slowly', async () => {
    const listings: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      listings.push(String(input));
      return fetch(input, init);
    };
    const h = await startHttpHarness({ sim: { apiToken: LM_STUDIO_TOKEN }, client: { fetch: countingFetch } });
    harnesses.push(h);
    const state = await vi.waitFor(() => {
      const backend = h.engine.backend();
      expect(backend.status).toBe('down');
      return backend;
    }, SERVER_WAIT);
    expect(state.lastError).toContain('LM Studio requires an API token');
    expect(state.tokenRequired).toBe(true);
    expect(state.lastError).toContain('--backend-token');
    // The next probe is the slowest of the reconnect schedule (30 s), not a quick loop.
    expect(Date.parse(state.retryAt!) - Date.now()).toBeGreaterThan(20_000);
    // The model listing is refused alike on every API: one request, not one per API.
    expect(listings).toHaveLength(1);

    const { body, status } = await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: CHAT.model, input: CHAT } });
    expect(status).toBe(202);
    expect(h.engine.get(body.job.id).state).toBe('queued');
    expect((await call(h, 'GET', '/api/queue')).body.backend.lastError).toContain('LM Studio requires an API token');
    expect(h.sim.record.requests).toHaveLength(0);
  });

  it('a token LM Studio stops accepting mid-way: the job goes back to the queue (its attempt refunded) and waits', async () => {
    const h = await startHttpHarness({ sim: { apiToken: LM_STUDIO_TOKEN }, client: { apiToken: LM_STUDIO_TOKEN } });
    harnesses.push(h);
    h.engine.setPaused(true);
    const { body } = await call(h, 'POST', '/api/jobs', { body: { kind: 'chat', model: CHAT.model, input: CHAT } });
    h.sim.setApiToken('sk-lm-rotated');
    h.engine.setPaused(false);
    await vi.waitFor(() => expect(h.engine.backend().lastError).toContain('it refused the token given with --backend-token'), SERVER_WAIT);
    await vi.waitFor(() => expect(h.engine.get(body.job.id)).toMatchObject({ state: 'queued', attempts: 0 }), SERVER_WAIT);
    expect(h.engine.backend().status).toBe('down');
  });

  it('with the backend token: every request carries it and jobs run', async () => {
    const h = await startHttpHarness({ sim: { apiToken: LM_STUDIO_TOKEN }, client: { apiToken: LM_STUDIO_TOKEN } });
    harnesses.push(h);
    expect(h.engine.backend()).toMatchObject({ status: 'up', tokenRequired: false });
    const answer = await call(h, 'POST', '/v1/chat/completions', { body: CHAT });
    expect(answer.status).toBe(200);
    expect(answer.body.object).toBe('chat.completion');
    const streamed = await call(h, 'POST', '/v1/chat/completions', { body: { ...CHAT, stream: true } });
    expect(streamed.body).toContain('data: [DONE]');
    // The secret is LM Studio's: it never shows in what LM Queue reports.
    expect(JSON.stringify((await call(h, 'GET', '/api/queue')).body)).not.toContain(LM_STUDIO_TOKEN);
  });
});
