import { expect, FAST_SIM, test } from './fixtures';
import { HistoryPage } from './pages/history-page';
import { QueuePage } from './pages/queue-page';

// Jobs of ~4.5 s: long enough to see the running one's progress move after the checks before it.
test.use({ simOptions: { ...FAST_SIM, minOutputTokens: 1_800, maxOutputTokens: 1_800 } });

test('a job submitted over the LAN appears with its position and ETA, its progress moves, and it finishes', async ({ api, openApp }) => {
  const page = await openApp();
  const queue = new QueuePage(page);

  // Two jobs from a teammate's script; one slot, so the second waits.
  const first = await api.submitChat('first question');
  const second = await api.submitChat('second question');

  // Without a reload: the waiting job shows its place in line and when it starts.
  await expect(queue.row(second.id)).toHaveAttribute('data-state', 'queued');
  await expect(queue.position(second.id)).toHaveText('#1');
  await expect(queue.eta(second.id)).toHaveText(/^starts (in ~\d+ (s|min)|any moment)(, up to \d+ (s|min))?$/);
  await expect(queue.progress(second.id)).toHaveAttribute('aria-valuenow', '0');

  // The running job's progress bar moves.
  await expect(queue.row(first.id)).toHaveAttribute('data-state', 'running');
  await expect.poll(async () => Number(await queue.progress(first.id).getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(queue.eta(first.id)).toHaveText(/^(done in ~\d+ (s|min)|finishing|running)$/);

  // It finishes and leaves the queue; the next one starts.
  await expect(queue.row(first.id)).toHaveCount(0);
  await expect(queue.row(second.id)).toHaveAttribute('data-state', 'running');

  // History has it, with the answer.
  const history = new HistoryPage(page);
  await history.open();
  await expect(history.row(first.id)).toHaveAttribute('data-state', 'succeeded');
  await history.row(first.id).click();
  await expect(history.answer).not.toBeEmpty();
});
