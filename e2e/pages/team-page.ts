/** The Team tab: create a token, read its secret (shown once), revoke it. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class TeamPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.open('Team');
  }

  async createToken(name: string, maxPriority: number): Promise<string> {
    const form = this.page.getByRole('form', { name: 'Create a token' });
    await form.locator('input[name="token-name"]').fill(name);
    await form.locator('select[name="token-max-priority"]').selectOption(String(maxPriority));
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = this.page.locator('[data-field="token-secret"]');
    await secret.waitFor();
    return (await secret.textContent())!.trim();
  }

  get secretPanel(): Locator {
    return this.page.getByRole('region', { name: 'New token secret' });
  }

  tokenRow(name: string): Locator {
    return this.page.locator(`tr[data-token-name="${name}"]`);
  }

  async revoke(name: string): Promise<void> {
    this.page.once('dialog', (dialog) => void dialog.accept());
    await this.page.getByRole('button', { name: `Revoke token ${name}` }).click();
  }
}
