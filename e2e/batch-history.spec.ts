/** A finished batch in History: its parent job's detail links to the output and error files. */
import { expect, test } from './fixtures';
import { HistoryPage } from './pages/history-page';

const ADMIN = 'lmq_e2e-batch-admin-secret';
test.use({ adminToken: ADMIN, simOptions: { parallel: 2, timeScale: 0.01 } });

function line(customId: string, model: string): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } });
}

test('History links a finished batch to its output and error files (the link carries the page token)', async ({ lmq, api, openApp, page }) => {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([[line('a', 'sim-model-a'), line('b', 'sim-model-a'), line('c', 'no-such-model')].join('\n')]), 'input.jsonl');
  const auth = { authorization: `Bearer ${ADMIN}` };
  const file = (await (await fetch(`${lmq.url}/v1/files`, { method: 'POST', body: form, headers: auth })).json()) as { id: string };
  const created = await api.request<{ id: string }>('POST', '/v1/batches', { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  let batch = { status: '', lmq_job_id: '', output_file_id: '', error_file_id: '' };
  await expect(async () => {
    batch = (await api.request<typeof batch>('GET', `/v1/batches/${created.body.id}`)).body;
    expect(batch.status).toBe('completed');
  }).toPass({ timeout: 20_000 });

  await openApp({ token: ADMIN });
  const history = new HistoryPage(page);
  await history.open();
  await history.row(batch.lmq_job_id).click();
  const output = page.getByLabel('Batch output');
  await expect(output).toHaveAttribute('data-batch-status', 'completed');
  await expect(output).toContainText('2 answered, 1 failed of 3');
  const outputLink = output.getByRole('link', { name: 'Output file' });
  await expect(outputLink).toHaveAttribute('href', new RegExp(`/v1/files/${batch.output_file_id}/content\\?token=`));
  await expect(output.getByRole('link', { name: 'Error file' })).toHaveAttribute('data-file-id', batch.error_file_id);
  // The link works on its own, as a browser opening it would send it: no Authorization header.
  const answer = await fetch((await outputLink.getAttribute('href'))!);
  expect(answer.status).toBe(200);
  expect((await answer.text()).trim().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id).sort()).toEqual(['a', 'b']);
});
