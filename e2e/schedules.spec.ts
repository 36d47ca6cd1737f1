import type { Schedule } from '../src/shared/schedule';
import { expect, test } from './fixtures';
import { SchedulesPage } from './pages/schedules-page';

const JOB = { kind: 'chat', model: 'sim-model-a', input: { messages: [{ role: 'user', content: 'update the norms' }], max_tokens: 8 } };

test('a schedule made over the API: its next runs in its zone, disable, run now and the run in its history', async ({ api, openApp }) => {
  const created = await api.request<{ schedule: Schedule }>('POST', '/api/schedules', {
    name: 'nightly-norms',
    cron: '0 3 * * *',
    timezone: 'Europe/Berlin',
    job: JOB,
  });
  expect(created.status).toBe(201);
  const { nextRuns } = created.body.schedule;
  const readSchedule = async () => (await api.request<{ schedule: Schedule }>('GET', '/api/schedules/nightly-norms')).body.schedule;

  const page = await openApp({ hash: 'schedules' });
  const schedules = new SchedulesPage(page);
  await expect(schedules.row('nightly-norms')).toHaveAttribute('data-enabled', 'true');
  await expect(schedules.nextRuns('nightly-norms')).toHaveCount(3);
  await expect(schedules.nextRuns('nightly-norms').first()).toHaveAttribute('data-next-run', nextRuns[0]!);
  // 03:00 in Berlin, shown as the schedule's wall time with its offset.
  await expect(schedules.nextRuns('nightly-norms').first()).toHaveText(/^\d{4}-\d\d-\d\d 03:00:00 \+0[12]:00$/);

  await schedules.button('nightly-norms', 'Disable').click();
  await expect(schedules.row('nightly-norms')).toHaveAttribute('data-enabled', 'false');
  await expect(schedules.nextRuns('nightly-norms')).toHaveCount(0);
  await expect(schedules.row('nightly-norms')).toContainText('disabled');
  expect((await readSchedule()).enabled).toBe(false);

  await schedules.button('nightly-norms', 'Run now').click();
  await expect.poll(async () => (await readSchedule()).lastJobId).not.toBeNull();
  const lastJobId = (await readSchedule()).lastJobId!;
  const job = await api.job(lastJobId);
  expect(job).toMatchObject({ owner: 'local', lane: 'background', metadata: { schedule: 'nightly-norms' } });
  await expect(schedules.row('nightly-norms')).toContainText('1 by hand');

  await schedules.button('nightly-norms', 'History').click();
  await expect(schedules.historyJob('nightly-norms', lastJobId)).toBeVisible();
  // The history is read again as the tab refreshes, so the run's end shows up there.
  await expect(schedules.historyJob('nightly-norms', lastJobId)).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
});
