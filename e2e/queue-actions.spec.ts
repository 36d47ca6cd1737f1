import { expect, test } from './fixtures';
import { QueuePage } from './pages/queue-page';

test.describe('managing the queue from the UI', () => {
  test.beforeEach(async ({ api }) => {
    // Nothing starts: the jobs stay put while the UI acts on them.
    await api.pause();
  });

  test('cancel a queued job', async ({ api, openApp }) => {
    const page = await openApp();
    const queue = new QueuePage(page);
    const keep = await api.submitChat('keep me');
    const drop = await api.submitChat('cancel me');
    await expect(queue.position(drop.id)).toHaveText('#2');

    await queue.cancel(drop.id);

    await expect(queue.row(drop.id)).toHaveCount(0);
    await expect(queue.position(keep.id)).toHaveText('#1');
    expect((await api.job(drop.id)).state).toBe('canceled');
    await expect(queue.counts).toContainText('1 queued');
  });

  test('raise a priority and watch the order change', async ({ api, openApp }) => {
    const page = await openApp();
    const queue = new QueuePage(page);
    const a = await api.submitChat('a', { priority: 'normal' });
    const b = await api.submitChat('b', { priority: 'normal' });
    const c = await api.submitChat('c', { priority: 'normal' });
    await expect.poll(() => queue.queuedOrder()).toEqual([a.id, b.id, c.id]);
    await expect(queue.position(c.id)).toHaveText('#3');

    await queue.setPriority(c.id, 9);

    await expect.poll(() => queue.queuedOrder()).toEqual([c.id, a.id, b.id]);
    await expect(queue.position(c.id)).toHaveText('#1');
    await expect(queue.position(b.id)).toHaveText('#3');
    expect((await api.job(c.id)).priority).toBe(9);
  });
});
