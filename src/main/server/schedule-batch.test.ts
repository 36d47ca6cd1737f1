/**
 * A schedule whose job is a batch, through the real server and the official `openai` client,
 * against the simulator: each run sends the same uploaded file through the Batch API; overlap
 * "skip" holds while the previous batch's job is unfinished; the file is checked at creation.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { call, CHAT, startHttpHarness, type HttpHarness } from './testing/http-harness';

const WAIT = { timeout: 15_000, interval: 50 } as const;
const line = (id: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: CHAT.model, messages: [{ role: 'user', content: `q ${id}` }], max_tokens: 4 } });

describe('scheduled batches', () => {
  let h: HttpHarness;
  let openai: OpenAI;
  let fileId: string;

  beforeAll(async () => {
    h = await startHttpHarness();
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.memberToken, maxRetries: 0 });
    const file = await openai.files.create({ file: await toFile(Buffer.from(`${line('a')}\n${line('b')}\n`), 'nightly.jsonl'), purpose: 'batch' });
    fileId = file.id;
  });
  afterAll(() => h.close());

  test('a run makes a batch of the file: its job carries the schedule, and its output answers every line', async () => {
    const job = { kind: 'batch', input: { input_file_id: fileId, endpoint: '/v1/chat/completions' } };
    const created = await call(h, 'POST', '/api/schedules', { token: h.memberToken, body: { name: 'nightly-batch', cron: '0 3 * * *', job } });
    expect(created.status).toBe(201);
    expect(created.body.schedule.job).toMatchObject({ kind: 'batch', model: '', lane: 'batch', input: { input_file_id: fileId, completion_window: '24h' } });

    const run = await call(h, 'POST', '/api/schedules/nightly-batch/run', { token: h.memberToken });
    expect(run.status).toBe(202);
    expect(run.body.job).toMatchObject({ kind: 'batch', owner: 'member', lane: 'batch', metadata: { schedule: 'nightly-batch' } });
    const batch = await vi.waitFor(async () => {
      const listed = (await openai.batches.list()).data.find((b) => (b as { lmq_job_id?: string }).lmq_job_id === run.body.job.id);
      expect(listed?.status).toBe('completed');
      return listed!;
    }, WAIT);
    expect(batch.metadata).toEqual({ schedule: 'nightly-batch' });
    expect(batch.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = (await (await openai.files.content(batch.output_file_id!)).text()).trim().split('\n');
    expect(output.map((l) => (JSON.parse(l) as { custom_id: string }).custom_id).sort()).toEqual(['a', 'b']);
    const schedule = await call(h, 'GET', '/api/schedules/nightly-batch', { token: h.memberToken });
    expect([schedule.body.schedule.lastJobId, schedule.body.schedule.runs.manual]).toEqual([run.body.job.id, 1]);
  });

  test('overlap "skip": while the last run\'s batch is unfinished, the runs after it are skipped, not queued', async () => {
    h.engine.setPaused(true); // its children wait, so its job stays queued
    try {
      const job = { kind: 'batch', input: { input_file_id: fileId, endpoint: '/v1/chat/completions' } };
      await call(h, 'POST', '/api/schedules', { token: h.memberToken, body: { name: 'every-second-batch', cron: '* * * * * *', job } });
      const schedule = await vi.waitFor(async () => {
        const { body } = await call(h, 'GET', '/api/schedules/every-second-batch', { token: h.memberToken });
        expect(body.schedule.runs.skipped).toBeGreaterThanOrEqual(2);
        return body.schedule;
      }, WAIT);
      expect(schedule.runs.fired).toBe(1);
      await call(h, 'PATCH', '/api/schedules/every-second-batch', { token: h.memberToken, body: { enabled: false } });
      const made = (await openai.batches.list()).data.filter((b) => b.metadata?.schedule === 'every-second-batch');
      expect(made.map((b) => (b as { lmq_job_id?: string }).lmq_job_id)).toEqual([schedule.lastJobId]);
    } finally {
      h.engine.setPaused(false);
    }
  });

  test("a batch template is checked at creation: another member's file is not found, a bad endpoint is a 400 naming the field", async () => {
    const other = h.token({ name: 'other-batcher', role: 'member' });
    const foreign = await call(h, 'POST', '/api/schedules', {
      token: other,
      body: { name: 'foreign-file', cron: '0 3 * * *', job: { kind: 'batch', input: { input_file_id: fileId, endpoint: '/v1/chat/completions' } } },
    });
    expect([foreign.status, foreign.body.error.message]).toEqual([404, `job.input.input_file_id: no file with id ${fileId}`]);
    const endpoint = await call(h, 'POST', '/api/schedules', {
      token: h.memberToken,
      body: { name: 'bad-endpoint', cron: '0 3 * * *', job: { kind: 'batch', input: { input_file_id: fileId, endpoint: '/v1/images' } } },
    });
    expect(endpoint.status).toBe(400);
    expect(endpoint.body.error.message).toMatch(/^job\.input\.endpoint: must be one of/);
  });
});
