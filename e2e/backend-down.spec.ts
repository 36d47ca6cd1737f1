import { expect, test } from './fixtures';
import { AppShell } from './pages/app-shell';
import { QueuePage } from './pages/queue-page';

test.use({ simStartsDown: true });

test('LM Studio down: a banner says what to do, jobs wait in the queue, and run once it is back', async ({ api, openApp, sim }) => {
  const page = await openApp();
  const shell = new AppShell(page);
  const queue = new QueuePage(page);
  const banner = shell.banner(`LM Studio isn't reachable at ${sim.url} — start its server.`);
  await expect(banner).toBeVisible();

  const job = await api.submitChat('waits for LM Studio');
  await expect(queue.row(job.id)).toHaveAttribute('data-state', 'queued');
  await expect(queue.position(job.id)).toHaveText('#1');
  await expect(banner).toContainText('1 queued job will wait');

  await sim.setDown(false);
  await expect(banner).toHaveCount(0, { timeout: 20_000 });
  await expect.poll(async () => (await api.job(job.id)).state, { timeout: 20_000 }).toBe('succeeded');
});
