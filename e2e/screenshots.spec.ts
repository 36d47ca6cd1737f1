/**
 * Screenshots of every tab for the docs (light theme, a busy queue), written to
 * docs/screenshots/. On demand only: `LMQ_SCREENSHOTS=1 npm run e2e -- --project screenshots`.
 */
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, FAST_SIM, test } from './fixtures';
import { AppShell, type TabName } from './pages/app-shell';
import { HistoryPage } from './pages/history-page';
import { QueuePage } from './pages/queue-page';
import { REPO_ROOT } from './support/headless-server';

const OUT = path.join(REPO_ROOT, 'docs/screenshots');

// Two slots and ~7 s jobs: the queue stays busy while the pictures are taken.
test.use({ simOptions: { ...FAST_SIM, parallel: 2, timeScale: 0.5, maxOutputTokens: 600, minOutputTokens: 600 } });
test.setTimeout(120_000);

async function shoot(page: Page, tab: TabName, file: string, ready?: Locator): Promise<void> {
  await new AppShell(page).open(tab);
  if (ready) await expect(ready).toBeVisible();
  await page.waitForTimeout(600); // let charts and progress bars settle into place
  await page.screenshot({ path: path.join(OUT, file) });
}

test('screenshots of every tab', async ({ api, openApp, sim }) => {
  // Finished work for History (full-length, so the forecast learns realistic job lengths) and one failure.
  const finished = await Promise.all(['Summarize the Q3 report', 'Translate the release notes'].map((p) => api.submitChat(p)));
  // Only once both are generating does the injected error hit the job meant to fail.
  for (const job of finished) await expect.poll(async () => (await api.job(job.id)).progress.fraction ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
  sim.inject({ fail500: 1 });
  const failing = await api.request<{ job: { id: string } }>('POST', '/api/jobs', {
    kind: 'chat',
    model: 'sim-model-a',
    input: { messages: [{ role: 'user', content: 'Classify these tickets' }], max_tokens: 24 },
    maxAttempts: 1,
  });
  await expect.poll(async () => (await api.job(failing.body.job.id)).state, { timeout: 20_000 }).toBe('failed');
  for (const job of finished) await expect.poll(async () => (await api.job(job.id)).state, { timeout: 20_000 }).toBe('succeeded');

  const page = await openApp();

  // Submit tab: a question asked from the UI, answered.
  await new AppShell(page).open('Submit');
  await page.getByLabel('Max tokens').fill('40');
  await page.getByLabel('Prompt').fill('Write a haiku about queues.');
  await page.getByRole('button', { name: 'Queue job' }).click();
  await expect(page.getByLabel('Answer')).toBeVisible({ timeout: 20_000 });

  // A busy queue from three teammates.
  const team = await Promise.all(['alice', 'bob', 'carol'].map((name) => api.createToken(name, 7)));
  const prompts = ['Index the wiki', 'Draft the weekly update', 'Embed support tickets', 'Review PR #412', 'Answer the RFP', 'Rank search results'];
  for (let i = 0; i < 18; i++) {
    const member = team[i % team.length]!;
    await api.submitChat(prompts[i % prompts.length]!, { token: member.token, priority: [5, 3, 7, 1, 5, 6][i % 6] });
  }
  const queue = new QueuePage(page);
  await new AppShell(page).open('Queue');
  await expect(page.locator('.queue-scroll [data-state="running"]')).toHaveCount(2, { timeout: 20_000 });
  await expect.poll(async () => Number(await page.locator('.queue-scroll [data-state="running"]').first().getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(10);
  await expect(queue.counts).toContainText('queued');

  await shoot(page, 'Queue', 'queue.png');
  await shoot(page, 'Submit', 'submit.png');
  await shoot(page, 'LM Studio', 'lmstudio.png', page.locator('figure.chart canvas').first());
  await shoot(page, 'Team', 'team.png');
  const history = new HistoryPage(page);
  await history.open();
  await history.row(finished[0]!.id).click();
  await expect(history.answer).toBeVisible();
  await page.screenshot({ path: path.join(OUT, 'history.png') });
});
