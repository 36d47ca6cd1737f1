/**
 * The OpenAI Files and Batch APIs through the official `openai` client, against the simulator:
 * upload, create, retrieve, list, cancel, the output and error files, a malformed file, an
 * unknown model on one line, the upload limit, and who may see what.
 */
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness, type JsonBody } from './testing/http-harness';

const BATCH_WAIT = { timeout: 20_000, interval: 20 } as const;

function chatLine(customId: string, model = CHAT.model, content = `question ${customId}`): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content }], max_tokens: 8 } });
}

async function upload(openai: OpenAI, lines: readonly string[], name = 'input.jsonl') {
  return openai.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), name), purpose: 'batch' });
}

async function settled(openai: OpenAI, id: string): Promise<Batch> {
  return vi.waitFor(async () => {
    const batch = await openai.batches.retrieve(id);
    expect(['completed', 'failed', 'cancelled', 'expired']).toContain(batch.status);
    return batch;
  }, BATCH_WAIT);
}

async function linesOf(openai: OpenAI, fileId: string): Promise<JsonBody[]> {
  const text = await (await openai.files.content(fileId)).text();
  return text.trim().split('\n').map((line) => JSON.parse(line) as JsonBody);
}

describe('OpenAI Files and Batch API', () => {
  let h: HttpHarness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHttpHarness({ engine: { defaultMaxAttempts: 1 }, server: { maxFileBytes: 64_000 } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('uploads a file (toFile), lists, retrieves, reads it back and deletes it', async () => {
    const file = await upload(openai, [chatLine('a')], 'questions.jsonl');
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'questions.jsonl', bytes: chatLine('a').length + 1 });
    expect(file.id).toMatch(/^file-[0-9a-f]{24}$/);
    expect(await openai.files.retrieve(file.id)).toEqual(file);
    expect((await openai.files.list()).data.map((f) => f.id)).toContain(file.id);
    expect(await (await openai.files.content(file.id)).text()).toBe(chatLine('a') + '\n');
    expect(await openai.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(openai.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a file over the size limit with 413 in OpenAI\'s error shape, and a purpose other than batch', async () => {
    const big = await toFile(Buffer.alloc(70_000, 'x'), 'big.jsonl');
    const tooBig = await openai.files.create({ file: big, purpose: 'batch' }).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ status: 413, error: { type: 'invalid_request_error', code: 'payload_too_large', message: expect.stringContaining('64000-byte limit') } });
    const wrong = await openai.files.create({ file: await toFile(Buffer.from('{}\n'), 'f.jsonl'), purpose: 'fine-tune' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 400, error: { param: 'purpose', code: 'bad_request' } });
    expect((await openai.files.list()).data.filter((f) => f.filename === 'big.jsonl' || f.filename === 'f.jsonl')).toEqual([]);
  });

  it('runs a batch: one child job per line in the batch lane; the output file answers each line, an unknown model goes to the error file', async () => {
    const lines = [chatLine('q-1'), chatLine('q-2'), chatLine('q-unknown', 'no-such-model'), chatLine('q-3')];
    const file = await upload(openai, lines);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'low', team: 'docs' } });
    expect(created).toMatchObject({ object: 'batch', status: 'validating', input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'low', team: 'docs' } });
    expect(created.expires_at! - created.created_at).toBe(86_400);

    const batch = await settled(openai, created.id);
    expect(batch).toMatchObject({ status: 'completed', request_counts: { total: 4, completed: 3, failed: 1 } });
    expect(batch.in_progress_at).toBeGreaterThanOrEqual(batch.created_at);
    expect(batch.finalizing_at).toBeGreaterThanOrEqual(batch.in_progress_at!);
    expect(batch.completed_at).toBeGreaterThanOrEqual(batch.finalizing_at!);

    const parent = h.engine.get((batch as Batch & { lmq_job_id: string }).lmq_job_id);
    expect(parent).toMatchObject({ kind: 'batch', owner: 'member', priority: 3, lane: 'batch', state: 'succeeded' });

    const output = await linesOf(openai, batch.output_file_id!);
    expect(output.map((l) => l.custom_id)).toEqual(['q-1', 'q-2', 'q-3']);
    for (const line of output) {
      expect(line).toMatchObject({ id: expect.stringMatching(/^batch_req_/), error: null, response: { status_code: 200, request_id: expect.stringMatching(/^job_/), body: { object: 'chat.completion' } } });
      expect(h.engine.get(line.response.request_id)).toMatchObject({ lane: 'batch', priority: 3, owner: 'member', parentId: parent.id });
    }
    const errors = await linesOf(openai, batch.error_file_id!);
    expect(errors).toEqual([
      expect.objectContaining({ custom_id: 'q-unknown', error: null, response: expect.objectContaining({ status_code: 400, body: { error: expect.objectContaining({ code: 'unknown_model', message: expect.stringContaining('no-such-model') }) } }) }),
    ]);
    expect((await openai.files.retrieve(batch.output_file_id!)).purpose).toBe('batch_output');
  });

  it('fails a malformed file, naming each bad line in errors.data', async () => {
    const file = await upload(openai, [chatLine('ok'), '{not json', JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'm' } }), chatLine('ok'), chatLine('x').replace('/v1/chat/completions', '/v1/embeddings')]);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const batch = await settled(openai, created.id);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toBeGreaterThanOrEqual(batch.created_at);
    expect(batch.errors?.data?.map((e) => [e.line, e.code, e.param])).toEqual([
      [2, 'invalid_json_line', null],
      [3, 'missing_required_parameter', 'custom_id'],
      [4, 'duplicate_custom_id', 'custom_id'],
      [5, 'invalid_url', 'url'],
    ]);
    expect(batch.output_file_id).toBeNull();
    // Its job (made with the batch) failed with it, and never had a child.
    const parent = h.engine.get((batch as Batch & { lmq_job_id: string }).lmq_job_id);
    expect([parent.state, parent.error?.code, parent.children?.total]).toEqual(['failed', 'invalid_file', 0]);
  });

  it('refuses a bad create: unknown endpoint or window, a missing file, a priority above the token\'s ceiling', async () => {
    const file = await upload(openai, [chatLine('a')]);
    const attempt = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      call(h, 'POST', '/v1/batches', { token: h.memberToken, headers, body: { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', ...body } });
    expect(await attempt({ endpoint: '/v1/images/generations' })).toMatchObject({ status: 400, body: { error: { param: 'endpoint', type: 'invalid_request_error' } } });
    expect(await attempt({ completion_window: '1h' })).toMatchObject({ status: 400, body: { error: { param: 'completion_window' } } });
    expect(await attempt({ input_file_id: 'file-000000000000000000000000' })).toMatchObject({ status: 404, body: { error: { type: 'not_found_error' } } });
    expect(await attempt({}, { 'x-lmq-priority': 'urgent' })).toMatchObject({ status: 403, body: { error: { code: 'priority_not_allowed' } } });
    expect(await attempt({ metadata: { priority: 'eleven' } })).toMatchObject({ status: 400, body: { error: { param: 'priority' } } });
  });

  it('lists batches newest first, a page at a time (after, limit)', async () => {
    const file = await upload(openai, [chatLine('p')]);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const first = await openai.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([made[2], made[1]]);
    expect(first.has_more).toBe(true);
    const next = await first.getNextPage();
    expect(next.data[0]!.id).toBe(made[0]);
    const all: string[] = [];
    for await (const batch of openai.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all.slice(0, 3)).toEqual([...made].reverse());
    for (const id of made) await settled(openai, id);
  });

  it('shows members their own files and batches only, admins everyone\'s', async () => {
    const other = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.token({ name: 'other', role: 'member' }), maxRetries: 0 });
    const admin = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.adminToken, maxRetries: 0 });
    const file = await upload(openai, [chatLine('mine')]);
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect(other.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    expect((await other.files.list()).data).toEqual([]);
    expect((await other.batches.list()).data).toEqual([]);
    expect((await admin.files.retrieve(file.id)).id).toBe(file.id);
    expect((await admin.batches.retrieve(batch.id)).id).toBe(batch.id);
    expect((await admin.batches.list()).data.map((b) => b.id)).toContain(batch.id);
    await settled(openai, batch.id);
    // An input file an unfinished batch reads cannot go; once it ended, it can.
    expect((await openai.files.delete(file.id)).deleted).toBe(true);
  });
});

describe('cancelling a batch mid-run', () => {
  let h: HttpHarness;
  let openai: OpenAI;

  beforeAll(async () => {
    // Slow enough that the batch is mid-run when cancelled: one slot, ~0.4 s a request.
    h = await startHttpHarness({ sim: { timeScale: 0.2, parallel: 1, tokensPerSecond: 20 }, engine: { defaultMaxAttempts: 1, maxConcurrency: 1 } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('goes cancelling → cancelled; nothing reaches LM Studio after it settles; what ran is in the output file', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => chatLine(`c-${i}`));
    const file = await upload(openai, lines);
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await vi.waitFor(async () => expect((await openai.batches.retrieve(created.id)).request_counts?.completed).toBeGreaterThanOrEqual(2), BATCH_WAIT);
    const cancelling = await openai.batches.cancel(created.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    expect(cancelling.cancelling_at).toBeTruthy();
    const batch = await settled(openai, created.id);
    expect(batch.status).toBe('cancelled');
    expect(batch.cancelled_at).toBeGreaterThanOrEqual(batch.cancelling_at!);
    const settledAt = Date.now();
    const sent = h.sim.record.requests.length;

    const done = await linesOf(openai, batch.output_file_id!);
    const notRun = await linesOf(openai, batch.error_file_id!);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length + notRun.length).toBe(30);
    expect(new Set([...done, ...notRun].map((l) => l.custom_id)).size).toBe(30);
    expect(notRun.filter((l) => l.error?.code === 'batch_cancelled').length).toBeGreaterThan(0);
    expect(batch.request_counts).toEqual({ total: 30, completed: done.length, failed: notRun.length });
    // A chat sent after the batch settled is the only request LM Studio sees from then on.
    const probe = await openai.chat.completions.create(CHAT).withResponse();
    expect(h.sim.record.requests.slice(sent).filter((r) => r.arrivedAt >= settledAt).map((r) => r.clientRequestId)).toEqual([probe.response.headers.get('x-lmq-job-id')]);
    await expect(openai.batches.cancel(created.id)).rejects.toMatchObject({ status: 409 });
  });
});

describe('batch links with --require-auth', () => {
  let h: HttpHarness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHttpHarness({ server: { requireAuth: true } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it("gives a parent job's batch to its owner (the History tab's links), and the file to a link with ?token=", async () => {
    const file = await upload(openai, [chatLine('l-1'), chatLine('l-2')]);
    const batch = await settled(openai, (await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const jobId = (batch as Batch & { lmq_job_id: string }).lmq_job_id;
    const mine = await call(h, 'GET', `/api/jobs/${jobId}/batch`, { token: h.memberToken });
    expect(mine).toMatchObject({ status: 200, body: { batch: { id: batch.id, status: 'completed', output_file_id: batch.output_file_id } } });
    const other = h.token({ name: 'someone-else', role: 'member' });
    expect(await call(h, 'GET', `/api/jobs/${jobId}/batch`, { token: other })).toMatchObject({ status: 200, body: { batch: null } });
    expect((await call(h, 'GET', `/api/jobs/${jobId}/batch`, { token: h.adminToken })).body.batch.id).toBe(batch.id);

    const link = `/v1/files/${batch.output_file_id}/content`;
    const viaLink = await fetch(`${h.url}${link}?token=${h.memberToken}`);
    expect(viaLink.status).toBe(200);
    expect((await viaLink.text()).trim().split('\n')).toHaveLength(2);
    expect((await fetch(`${h.url}${link}`)).status).toBe(401);
    expect((await fetch(`${h.url}${link}?token=${other}`)).status).toBe(404);
  });
});
