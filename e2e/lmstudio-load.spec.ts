/**
 * The LM Studio tab's load charts come from the server's record of the last hour, so they are
 * filled on first open and count tokens while jobs stream, not only when they finish.
 */
import { expect, FAST_SIM, test } from './fixtures';
import { LmStudioPage } from './pages/lmstudio-page';
import type { ThroughputHistory } from '../src/shared/throughput';

const total = (history: ThroughputHistory, field: 'tokens' | 'finished') => history.buckets.reduce((sum, b) => sum + b[field], 0);

test.describe('with jobs streaming', () => {
  // Two slots and ~10 s jobs: both still generate while the tab is read.
  test.use({ simOptions: { ...FAST_SIM, parallel: 2, timeScale: 1, tokensPerSecond: 40, minOutputTokens: 400, maxOutputTokens: 400 } });

  test('the record counts streamed tokens before any job finishes, and the tab shows it on first open', async ({ api, openApp }) => {
    const jobs = await Promise.all(['first', 'second'].map((prompt) => api.submitChat(prompt)));
    await expect.poll(async () => (await Promise.all(jobs.map((job) => api.job(job.id)))).every((job) => (job.progress.tokens ?? 0) > 0)).toBe(true);

    await expect
      .poll(async () => total((await api.request<ThroughputHistory>('GET', '/api/stats/throughput')).body, 'tokens'))
      .toBeGreaterThan(0);
    const history = (await api.request<ThroughputHistory>('GET', '/api/stats/throughput')).body;
    expect(total(history, 'finished')).toBe(0);
    expect(history.bucketMs).toBe(10_000);
    expect(Math.max(...history.buckets.map((b) => b.running))).toBe(2);
    const newest = history.buckets.at(-1)!.start;
    const since = await api.request<ThroughputHistory>('GET', `/api/stats/throughput?since=${newest}`);
    expect(since.body.buckets.map((b) => b.start)).toEqual([newest]);

    const page = await openApp({ hash: 'lmstudio' });
    const tab = new LmStudioPage(page);
    await expect(tab.throughput).toHaveText(/^[1-9][\d,]* tokens\/s$/);
    // The server started moments ago: the record says since when, not "the last hour".
    await expect(tab.chart(/^Throughput, since \d/)).toBeVisible();
    await expect(tab.chart(/^Queue length, since \d/).locator('canvas')).toHaveCount(1);
    await expect(tab.noDataYet).toHaveCount(0);
    expect((await api.job(jobs[0]!.id)).state).toBe('running');
  });
});

test('a server with nothing done yet says so instead of drawing empty charts', async ({ openApp }) => {
  const tab = new LmStudioPage(await openApp({ hash: 'lmstudio' }));
  await expect(tab.noDataYet).toContainText('No data yet');
  await expect(tab.page.locator('figure.chart')).toHaveCount(0);
  await expect(tab.throughput).toHaveText('0 tokens/s');
});
