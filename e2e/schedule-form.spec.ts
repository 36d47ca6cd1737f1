import type { Schedule } from '../src/shared/schedule';
import { expect, test } from './fixtures';
import { SchedulesPage } from './pages/schedules-page';

test('create a schedule in the form (live preview, errors naming the field), edit its cron and enabled, delete it after confirming', async ({ api, openApp }) => {
  const page = await openApp({ hash: 'schedules' });
  const schedules = new SchedulesPage(page);
  await schedules.newScheduleButton.click();
  const form = schedules.form('New schedule');
  await form.field('Name').fill('nightly-norms');

  // The preview follows the expression as it is typed, or says what is wrong with which field.
  await form.cron.fill('0 3 * *');
  await expect(form.timingProblem).toHaveText('Cron: expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 4');
  await expect(form.timingProblem).toHaveAttribute('data-field', 'cron');
  await expect(form.submit('Create schedule')).toBeDisabled();
  await form.cron.fill('0 3 * * *');
  await form.timezone.fill('Mars/Olympus');
  await expect(form.timingProblem).toHaveText(/^Time zone: not an IANA time zone/);
  await form.timezone.fill('Europe/Berlin');
  await expect(form.previewRuns).toHaveCount(5);
  for (const run of await form.previewRuns.all()) await expect(run).toHaveText(/^\d{4}-\d\d-\d\d 03:00:00 \+0[12]:00$/);

  await form.field('Model').fill('sim-model-a');
  await form.field('While the last run is unfinished').selectOption('queue');
  await form.field('Runs missed while stopped').selectOption('once');
  await form.field('Priority').selectOption('7');
  await form.field('Lane').selectOption('batch');
  await form.field(/^Input/).fill('{"messages": [{"role": "user", "content": "update the norms"}], "max_tokens": 8');
  await expect(form.problems).toContainText(/Input: not valid JSON/);
  await expect(form.submit('Create schedule')).toBeDisabled();
  await form.field(/^Input/).fill('{"messages": [{"role": "user", "content": "update the norms"}], "max_tokens": 8}');
  await expect(form.problems).toHaveCount(0);
  await form.submit('Create schedule').click();

  await expect(schedules.row('nightly-norms')).toHaveAttribute('data-enabled', 'true');
  await expect(schedules.form('New schedule').root).toHaveCount(0);
  const read = async () => (await api.request<{ schedule: Schedule }>('GET', '/api/schedules/nightly-norms')).body.schedule;
  expect(await read()).toMatchObject({
    cron: '0 3 * * *',
    timezone: 'Europe/Berlin',
    enabled: true,
    overlap: 'queue',
    catchUp: 'once',
    owner: 'local',
    job: { kind: 'chat', model: 'sim-model-a', priority: 7, lane: 'batch', input: { messages: [{ role: 'user', content: 'update the norms' }], max_tokens: 8 } },
  });

  // The server's refusal is shown in the form, which stays open with what was typed.
  await schedules.newScheduleButton.click();
  const again = schedules.form('New schedule');
  await again.field('Name').fill('nightly-norms');
  await again.field('Model').fill('sim-model-a');
  await again.submit('Create schedule').click();
  await expect(again.root.getByRole('alert').filter({ hasText: 'Not saved.' })).toContainText('a schedule named nightly-norms exists already');
  await again.root.getByRole('button', { name: 'Cancel' }).click();

  // Edit: the form starts from the schedule's fields; a new cron and disabled.
  await schedules.button('nightly-norms', 'Edit').click();
  const edit = schedules.form('Edit nightly-norms');
  await expect(edit.cron).toHaveValue('0 3 * * *');
  await expect(edit.field('Lane')).toHaveValue('batch');
  await edit.cron.fill('30 4 * * 1-5');
  await expect(edit.previewRuns.first()).toHaveText(/ 04:30:00 \+0[12]:00$/);
  await edit.submit('Save changes').click();
  await expect(schedules.nextRuns('nightly-norms').first()).toHaveText(/ 04:30:00 \+0[12]:00$/);
  expect(await read()).toMatchObject({ cron: '30 4 * * 1-5', timezone: 'Europe/Berlin', overlap: 'queue', job: { priority: 7, lane: 'batch' } });

  await schedules.button('nightly-norms', 'Edit').click();
  await schedules.form('Edit nightly-norms').field('Enabled').uncheck();
  await schedules.form('Edit nightly-norms').submit('Save changes').click();
  await expect(schedules.row('nightly-norms')).toHaveAttribute('data-enabled', 'false');
  expect((await read()).enabled).toBe(false);

  // Delete asks first: dismissed, it stays; confirmed, it is gone.
  page.once('dialog', (dialog) => void dialog.dismiss());
  await schedules.deleteButton('nightly-norms').click();
  await expect(schedules.row('nightly-norms')).toBeVisible();
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('Delete nightly-norms?');
    void dialog.accept();
  });
  await schedules.deleteButton('nightly-norms').click();
  await expect(schedules.row('nightly-norms')).toHaveCount(0);
  expect((await api.request('GET', '/api/schedules/nightly-norms')).status).toBe(404);
});
