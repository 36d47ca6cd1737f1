/** Job ids share their time prefix: rows show the end that differs, the full id on hover, and copy it whole. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { HistoryPage } from './pages/history-page';
import { QueuePage } from './pages/queue-page';

const tail = (id: string) => `…${id.slice(-6)}`;
/** Evaluated in the page (the e2e tsconfig has no DOM types). */
const readClipboard = (page: Page) => page.evaluate('navigator.clipboard.readText()');

test('rows show the distinguishing tail of each id, the full id on hover, and copy the full id', async ({ api, openApp, page }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await api.pause();
  const jobs = [await api.submitChat('one'), await api.submitChat('two'), await api.submitChat('three')];
  await openApp();
  const queue = new QueuePage(page);

  const shown = [];
  for (const job of jobs) {
    const id = queue.row(job.id).locator('[data-field="job-id"]');
    await expect(id).toHaveText(tail(job.id));
    await expect(id).toHaveAttribute('title', job.id);
    shown.push(await id.textContent());
  }
  expect(new Set(shown).size).toBe(jobs.length);

  await queue.row(jobs[0]!.id).getByRole('button', { name: `Copy job id ${jobs[0]!.id}` }).click();
  expect(await readClipboard(page)).toBe(jobs[0]!.id);

  // History and the job detail: the same tail; copying from a row does not open the row.
  await api.request('DELETE', `/api/jobs/${jobs[1]!.id}`);
  const history = new HistoryPage(page);
  await history.open();
  const row = history.row(jobs[1]!.id);
  await expect(row.locator('[data-field="job-id"]')).toHaveText(tail(jobs[1]!.id));
  await row.getByRole('button', { name: `Copy job id ${jobs[1]!.id}` }).click();
  expect(await readClipboard(page)).toBe(jobs[1]!.id);
  await expect(page.getByLabel(`Job ${jobs[1]!.id}`)).toHaveCount(0);
  await row.click();
  await expect(page.getByLabel(`Job ${jobs[1]!.id}`).locator('[data-field="job-id"]')).toHaveAttribute('title', jobs[1]!.id);
});
