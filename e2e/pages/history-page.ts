/** The History tab: finished jobs and their results. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class HistoryPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.open('History');
  }

  row(jobId: string): Locator {
    return this.page.locator(`tr[data-job-id="${jobId}"]`);
  }

  get answer(): Locator {
    return this.page.getByLabel(/^Job /).locator('.answer');
  }
}
