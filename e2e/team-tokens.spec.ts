import { expect, test } from './fixtures';
import { AppShell } from './pages/app-shell';
import { QueuePage } from './pages/queue-page';
import { TeamPage } from './pages/team-page';

const ADMIN_TOKEN = 'e2e-admin-7f3c1b9d2e5a4c8f9a0b1c2d3e4f5a6b';

// Every request needs a token here, loopback included: what teammates on the LAN experience.
test.use({ adminToken: ADMIN_TOKEN });

test('an admin creates a token; the teammate sees the whole queue but manages only their own jobs; revoking locks them out', async ({
  api,
  openApp,
  browser,
}) => {
  await api.pause();
  const admin = await openApp({ token: ADMIN_TOKEN, hash: 'team' });
  const team = new TeamPage(admin);
  const secret = await team.createToken('alice', 5);
  await expect(team.secretPanel).toContainText('shown only once');
  await expect(team.secretPanel).toContainText(`?token=${secret}`);
  await expect(team.tokenRow('alice')).toContainText('member');

  const mine = await api.submitChat('alice asks', { token: secret });
  const theirs = await api.submitChat('the admin asks');
  expect(mine.owner).toBe('alice');

  // The teammate opens the link they were given.
  const context = await browser.newContext();
  try {
    const alice = await openApp({ page: await context.newPage(), token: secret });
    const queue = new QueuePage(alice);
    await expect(queue.shell.signedInAs).toHaveText('alice · member');
    expect(alice.url()).not.toContain(secret);
    await expect(queue.row(theirs.id)).toBeVisible();
    await expect(queue.cancelButton(theirs.id)).toHaveCount(0);
    await expect(queue.prioritySelect(theirs.id)).toHaveCount(0);
    await expect(queue.cancelButton(mine.id)).toBeVisible();
    // Priorities above the token's ceiling are not offered.
    await expect(queue.prioritySelect(mine.id).locator('option[value="9"]')).toHaveCount(0);

    await team.revoke('alice');
    await expect(team.tokenRow('alice')).toHaveCount(0);
    expect((await api.request('GET', '/api/queue', undefined, secret)).status).toBe(401);

    // A fresh visit with the revoked token is asked for a valid one.
    const again = await context.newPage();
    await again.goto(admin.url().replace(/#.*$/, ''));
    await expect(new AppShell(again).banner('This LM Queue needs a token.')).toBeVisible();
  } finally {
    await context.close();
  }
});
