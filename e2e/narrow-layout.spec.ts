/** A phone-width window (400 px): every tab is reachable and no page scrolls sideways. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { AppShell, type TabName } from './pages/app-shell';
import { HistoryPage } from './pages/history-page';
import { QueuePage } from './pages/queue-page';

test.use({ viewport: { width: 400, height: 800 } });

const TABS: TabName[] = ['Queue', 'Submit', 'LM Studio', 'Team', 'History', 'Schedules', 'Indexes'];

/** Evaluated in the page (the e2e tsconfig has no DOM types). */
const sideways = (page: Page) =>
  page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })') as Promise<{ scrollWidth: number; innerWidth: number }>;

test('at 400 px every tab is in view and nothing overflows sideways', async ({ api, openApp }) => {
  const done = await api.submitChat('finished before the page opens');
  await expect.poll(async () => (await api.job(done.id)).state, { timeout: 15_000 }).toBe('succeeded');
  await api.createToken('alice', 5);
  await api.pause();
  const waiting = await api.submitChat('waits in the queue');

  const page = await openApp();
  const shell = new AppShell(page);
  for (const name of TABS) {
    await expect(shell.tab(name)).toBeInViewport({ ratio: 1 });
    await shell.open(name);
    await expect(shell.tab(name)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('region', { name, exact: true })).toBeVisible();
    const { scrollWidth, innerWidth } = await sideways(page);
    expect(scrollWidth, `the ${name} tab is wider than the window`).toBeLessThanOrEqual(innerWidth);
  }

  // The queue row keeps its hooks and its controls in view, as a two-line card.
  await shell.open('Queue');
  const queue = new QueuePage(page);
  await expect(queue.row(waiting.id)).toHaveAttribute('data-state', 'queued');
  await expect(queue.progress(waiting.id)).toHaveAttribute('aria-valuenow', '0');
  await expect(queue.cancelButton(waiting.id)).toBeInViewport({ ratio: 1 });
  await expect(queue.prioritySelect(waiting.id)).toBeInViewport({ ratio: 1 });

  // History opens a job's detail below the list, inside the window.
  const history = new HistoryPage(page);
  await history.open();
  await history.row(done.id).click();
  await history.answer.scrollIntoViewIfNeeded();
  await expect(history.answer).toBeInViewport();
  expect((await sideways(page)).scrollWidth).toBeLessThanOrEqual(400);
});
