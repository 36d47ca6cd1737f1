/** A running batch in the Queue tab: one row with its progress and ETA, its requests behind it, not 30 rows in the queue. */
import { expect, test } from './fixtures';
import { QueuePage } from './pages/queue-page';

const ADMIN = 'lmq_e2e-batch-queue-admin-secret';
// ~0.3 s a request, 2 at a time: the batch runs for a few seconds, long enough to watch it move.
test.use({ adminToken: ADMIN, simOptions: { parallel: 2, timeScale: 0.3 } });

const LINES = 30;
const line = (i: number) =>
  JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'sim-model-a', messages: [{ role: 'user', content: `line ${i}` }], max_tokens: 40 } });

test("a batch is one row with a progress bar and '0 of 30 requests'; its requests open behind it; it leaves the tab when done", async ({ lmq, api, openApp, page }) => {
  await api.request('POST', '/api/dispatch/pause');
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([Array.from({ length: LINES }, (_, i) => line(i)).join('\n')]), 'input.jsonl');
  const file = (await (await fetch(`${lmq.url}/v1/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { id: string };
  const created = await api.request<{ id: string }>('POST', '/v1/batches', { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  let parentId = '';
  await expect(async () => {
    const batch = (await api.request<{ status: string; lmq_job_id: string | null }>('GET', `/v1/batches/${created.body.id}`)).body;
    expect(batch.status).toBe('in_progress');
    parentId = batch.lmq_job_id!;
  }).toPass({ timeout: 10_000 });

  await openApp({ token: ADMIN });
  const queue = new QueuePage(page);
  const row = queue.parentRow(parentId);
  await expect(row).toHaveAttribute('data-state', 'queued');
  await expect(row.locator('[data-field="progress"]')).toHaveText(`0 of ${LINES} requests`);
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
  await expect(row.locator('[data-field="eta"]')).toContainText(/starts/);
  // Its requests are behind it, not rows of the queue.
  await expect(page.locator('.queue-scroll [data-job-id]')).toHaveCount(0);
  const requests = await queue.openParent(parentId);
  await expect(requests.locator('[data-job-id]')).toHaveCount(LINES);
  await expect(requests.locator('[data-state="queued"]').first()).toBeVisible();

  // Its priority moves its requests too.
  await row.getByRole('combobox', { name: `Priority of job ${parentId}` }).selectOption('7');
  await expect(requests.locator('[data-job-id]').first()).toBeVisible();
  await expect(async () => {
    const children = (await api.request<{ jobs: { priority: number }[] }>('GET', `/api/jobs?parent=${parentId}&limit=${LINES}`)).body.jobs;
    expect(children.every((c) => c.priority === 7)).toBe(true);
  }).toPass({ timeout: 10_000 });

  await api.request('POST', '/api/dispatch/resume');
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(async () => expect(Number(await row.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(0)).toPass({ timeout: 20_000 });
  await expect(row.locator('[data-field="progress"]')).toHaveText(new RegExp(`^[1-9]\\d* of ${LINES} requests$`));
  // The open list follows the batch.
  await expect(requests.locator('[data-state="succeeded"]').first()).toBeVisible();
  await expect(row).toHaveCount(0, { timeout: 30_000 });
});
