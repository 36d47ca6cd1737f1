import { expect, FAST_SIM, test } from './fixtures';
import { AppShell } from './pages/app-shell';
import { QueuePage } from './pages/queue-page';

const LM_STUDIO_TOKEN = 'sk-lm-e2e-token';

test.describe('LM Studio with "Require Authentication" on', () => {
  test.use({ simOptions: { ...FAST_SIM, apiToken: LM_STUDIO_TOKEN } });

  test('without --backend-token: the banner says LM Studio requires a token, and jobs wait', async ({ api, openApp }) => {
    const page = await openApp();
    const banner = new AppShell(page).banner('LM Studio requires an API token.');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await expect(banner).toContainText('--backend-token');

    const job = await api.submitChat('waits for a token');
    const queue = new QueuePage(page);
    await expect(queue.row(job.id)).toHaveAttribute('data-state', 'queued');
    await expect(banner).toContainText('1 queued job will wait');
    expect((await api.job(job.id)).attempts).toBe(0);
  });

  test.describe('with --backend-token', () => {
    test.use({ serverArgs: ['--backend-token', LM_STUDIO_TOKEN] });

    test('jobs run, and no banner asks for a token', async ({ api, openApp, sim }) => {
      const page = await openApp();
      const job = await api.submitChat('runs with the token');
      await expect.poll(async () => (await api.job(job.id)).state, { timeout: 20_000 }).toBe('succeeded');
      await expect(new AppShell(page).banner('LM Studio requires an API token.')).toHaveCount(0);
      expect(sim.record.requests.some((r) => r.endpoint === '/v1/chat/completions' && r.status === 200)).toBe(true);
    });
  });
});
