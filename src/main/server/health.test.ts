import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, startHttpHarness, type HttpHarness } from './testing/http-harness';

// On the code before this change, health said {ok: true, backend: {status: 'up', loadedModel: 'sim-model-a'}}
// right after LM Studio stopped, and kept the loaded model once it knew LM Studio was down.
describe('/api/health while LM Studio is down', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    // The client's own look comes only every 10 s here, as in production.
    h = await startHttpHarness({ client: { refreshIntervalMs: 10_000 } });
  });
  afterAll(() => h.close());

  it('looks at LM Studio and reports it down, with no loaded model; ok stays about LM Queue', async () => {
    await h.sim.setDown(true);
    const down = (await call(h, 'GET', '/api/health')).body;
    expect(down.ok).toBe(true);
    expect(down.backend).toMatchObject({ status: 'down', reachable: false, loadedModel: null, lastError: expect.any(String) });
    await h.sim.setDown(false);
    const up = await vi.waitFor(async () => {
      const body = (await call(h, 'GET', '/api/health')).body;
      expect(body.backend.reachable).toBe(true);
      return body;
    }, { timeout: 10_000, interval: 100 });
    expect(up.backend).toMatchObject({ status: 'up', loadedModel: 'sim-model-a', since: expect.any(String) });
  });
});
