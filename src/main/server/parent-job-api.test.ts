/** Parent jobs through the job API: a parent's children counts, its children paged, a parent refused as a submission. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVER_WAIT } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

describe('parent jobs in the job API', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('GET /api/jobs/:id shows the children counts; GET /api/jobs?parent=ID pages the children in order; the default list leaves them out', async () => {
    h.engine.setPaused(true);
    const parent = h.engine.createParent({ kind: 'batch', owner: 'local' });
    const line = { kind: 'chat' as const, model: 'sim-model-a', input: { messages: CHAT.messages, max_tokens: 4 } };
    h.engine.addChildren(parent.id, 0, Array.from({ length: 5 }, () => line));
    h.engine.sealParent(parent.id);

    const shown = await call(h, 'GET', `/api/jobs/${parent.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.job).toMatchObject({
      kind: 'batch',
      lane: 'batch',
      position: null,
      parentId: null,
      children: { total: 5, queued: 5, running: 0, succeeded: 0, failed: 0, canceled: 0 },
      progress: { fraction: 0, message: '0 of 5 requests' },
    });
    const first = await call(h, 'GET', `/api/jobs?parent=${parent.id}&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.jobs.map((j: { childIndex: number }) => j.childIndex)).toEqual([0, 1, 2]);
    expect(first.body.jobs[0]).toMatchObject({ parentId: parent.id, children: null, state: 'queued' });
    const rest = await call(h, 'GET', `/api/jobs?parent=${parent.id}&limit=3&cursor=${first.body.nextCursor}`);
    expect(rest.body.jobs.map((j: { childIndex: number }) => j.childIndex)).toEqual([3, 4]);
    const top = await call(h, 'GET', '/api/jobs?limit=500');
    expect(top.body.jobs.some((j: { parentId: string | null }) => j.parentId !== null)).toBe(false);
    expect(top.body.jobs.map((j: { id: string }) => j.id)).toContain(parent.id);
    const queue = await call(h, 'GET', '/api/queue?limit=100');
    expect(queue.body.parents.map((j: { id: string }) => j.id)).toEqual([parent.id]);
    expect(queue.body.counts.queuedChildren).toBe(5);

    h.engine.setPaused(false);
    await vi.waitFor(async () => expect((await call(h, 'GET', `/api/jobs/${parent.id}`)).body.job.state).toBe('succeeded'), SERVER_WAIT);
    expect((await call(h, 'GET', `/api/jobs/${parent.id}/result`)).body).toEqual({ children: { total: 5, queued: 0, running: 0, succeeded: 5, failed: 0, canceled: 0 } });
  });

  it('a parent kind cannot be submitted as a job; PATCH moves a parent with its children; DELETE cancels it with its children', async () => {
    const refused = await call(h, 'POST', '/api/jobs', { body: { kind: 'batch', model: 'sim-model-a', input: {} } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    h.engine.setPaused(true);
    try {
      const parent = h.engine.createParent({ kind: 'batch', owner: 'local' });
      h.engine.addChildren(parent.id, 0, [{ kind: 'chat', model: 'sim-model-a', input: { messages: CHAT.messages } }]);
      expect(await call(h, 'PATCH', `/api/jobs/${parent.id}`, { body: { priority: 'high' } })).toMatchObject({ status: 200, body: { job: { priority: 7 } } });
      expect((await call(h, 'GET', `/api/jobs?parent=${parent.id}`)).body.jobs[0]).toMatchObject({ priority: 7 });
      expect((await call(h, 'DELETE', `/api/jobs/${parent.id}`)).status).toBe(200);
      await vi.waitFor(async () => expect((await call(h, 'GET', `/api/jobs/${parent.id}`)).body.job).toMatchObject({ state: 'canceled', children: { canceled: 1 } }), SERVER_WAIT);
    } finally {
      h.engine.setPaused(false);
    }
  });
});
