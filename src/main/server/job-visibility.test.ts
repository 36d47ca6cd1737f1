import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readSseUntil } from '../testing/waiting';
import { call, CHAT, startHttpHarness, type HttpHarness, type JsonBody } from './testing/http-harness';

const SECRET = { project: 'merger-talks', customer: 'ACME' };
const SUBMIT = { kind: 'chat', model: CHAT.model, input: { messages: CHAT.messages, max_tokens: 4 } };
/** Due in an hour: the jobs stay queued (with a place and an ETA) while the test looks at them. */
const later = () => new Date(Date.now() + 3_600_000).toISOString();

/** The jobs in the complete `data:` lines of an SSE text with this id, in order. */
function eventsOf(text: string, id: string): JsonBody[] {
  return text
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('data: ') && line.includes(`"id":"${id}"`))
    .map((line) => JSON.parse(line.slice(6)) as JsonBody);
}

function firstMessage(socket: WebSocket, until: (message: JsonBody) => boolean): Promise<JsonBody> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as JsonBody;
      if (!until(message)) return;
      socket.off('message', onMessage);
      resolve(message);
    };
    socket.on('message', onMessage);
  });
}

// On the code before this change a member read the admin's metadata through each of these.
describe("other owners' jobs, as a member sees them", () => {
  let h: HttpHarness;
  let theirs: JsonBody;
  let mine: JsonBody;
  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true } });
    h.engine.setPaused(true);
    theirs = (await call(h, 'POST', '/api/jobs', { token: h.adminToken, body: { ...SUBMIT, metadata: SECRET, priority: 'high' } })).body.job;
    mine = (await call(h, 'POST', '/api/jobs', { token: h.memberToken, body: { ...SUBMIT, metadata: { mine: true }, runAt: later() } })).body.job;
  });
  afterAll(() => h.close());

  const shape = () => ({ id: theirs.id, owner: 'test-admin', model: CHAT.model, priority: 7, state: 'queued', position: 1, eta: expect.anything(), metadata: null });

  it('GET /api/jobs/:id and the invoke route give the shape, not the metadata; the owner and admins see it', async () => {
    expect((await call(h, 'GET', `/api/jobs/${theirs.id}`, { token: h.memberToken })).body.job).toMatchObject(shape());
    expect((await call(h, 'POST', '/api/invoke/jobs.get', { token: h.memberToken, body: { id: theirs.id } })).body).toMatchObject(shape());
    expect((await call(h, 'GET', `/api/jobs/${theirs.id}`, { token: h.adminToken })).body.job.metadata).toEqual(SECRET);
    expect((await call(h, 'GET', `/api/jobs/${mine.id}`, { token: h.memberToken })).body.job.metadata).toEqual({ mine: true });
  });

  it('the job list and the queue snapshot hide it too', async () => {
    const list = (await call(h, 'GET', '/api/jobs', { token: h.memberToken })).body.jobs as JsonBody[];
    expect(list.find((job) => job.id === theirs.id)).toMatchObject(shape());
    expect(list.find((job) => job.id === mine.id).metadata).toEqual({ mine: true });
    const queue = (await call(h, 'GET', '/api/queue', { token: h.memberToken })).body;
    expect(queue.queued.find((job: JsonBody) => job.id === theirs.id)).toMatchObject(shape());
    expect(JSON.stringify(queue)).not.toContain('merger-talks');
    expect(JSON.stringify((await call(h, 'GET', '/api/queue', { token: h.adminToken })).body)).toContain('merger-talks');
  });

  it('a result is the owner\'s (403 to others)', async () => {
    const response = await call(h, 'GET', `/api/jobs/${theirs.id}/result`, { token: h.memberToken });
    expect(response.status).toBe(403);
  });

  it('SSE events carry the shape of their job, the metadata of the member\'s own', async () => {
    const response = await fetch(`${h.url}/api/events`, { headers: { authorization: `Bearer ${h.memberToken}` } });
    await readSseUntil(response, (text) => text.includes(': connected'));
    await call(h, 'PATCH', `/api/jobs/${theirs.id}`, { token: h.adminToken, body: { priority: 6 } });
    await call(h, 'PATCH', `/api/jobs/${mine.id}`, { token: h.memberToken, body: { priority: 4 } });
    // Updates from before the PATCH may come first: wait for the ones that carry it.
    const text = await readSseUntil(response, (t) => eventsOf(t, theirs.id).some((e) => e.priority === 6) && eventsOf(t, mine.id).some((e) => e.priority === 4));
    await response.body!.cancel();
    expect(text).not.toContain('merger-talks');
    expect(text).toContain('"mine":true');
    for (const event of eventsOf(text, theirs.id)) expect(event).toMatchObject({ id: theirs.id, owner: 'test-admin', metadata: null });
    expect(eventsOf(text, theirs.id).at(-1)).toMatchObject({ ...shape(), priority: 6 });
  });

  it('WebSocket events and invokes hide it from members, not from admins', async () => {
    const open = (token: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/ws?token=${token}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const [member, admin] = await Promise.all([open(h.memberToken), open(h.adminToken)]);
    const isTheirs = (message: JsonBody) => message.event === 'job.updated' && message.payload.id === theirs.id;
    const seen = Promise.all([firstMessage(member, isTheirs), firstMessage(admin, isTheirs)]);
    await call(h, 'PATCH', `/api/jobs/${theirs.id}`, { token: h.adminToken, body: { priority: 8 } });
    const [byMember, byAdmin] = await seen;
    expect(byMember.payload).toMatchObject({ ...shape(), priority: 8 });
    expect(byAdmin.payload.metadata).toEqual(SECRET);
    const answer = firstMessage(member, (message) => message.id === 1);
    member.send(JSON.stringify({ type: 'invoke', id: 1, name: 'queue.snapshot', args: {} }));
    expect(JSON.stringify((await answer).result)).not.toContain('merger-talks');
    member.close();
    admin.close();
  });
});
