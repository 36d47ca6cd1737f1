/** The Queue tab, through the hooks DESIGN.md promises: data-job-id, data-state, position, ETA, progressbar. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class QueuePage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  row(jobId: string): Locator {
    return this.page.locator(`.queue-scroll [data-job-id="${jobId}"]`);
  }

  position(jobId: string): Locator {
    return this.row(jobId).locator('[data-field="position"]');
  }

  eta(jobId: string): Locator {
    return this.row(jobId).locator('[data-field="eta"]');
  }

  progress(jobId: string): Locator {
    return this.row(jobId).getByRole('progressbar');
  }

  cancelButton(jobId: string): Locator {
    return this.row(jobId).getByRole('button', { name: `Cancel job ${jobId}` });
  }

  prioritySelect(jobId: string): Locator {
    return this.row(jobId).getByRole('combobox', { name: `Priority of job ${jobId}` });
  }

  async cancel(jobId: string): Promise<void> {
    await this.cancelButton(jobId).click();
  }

  async setPriority(jobId: string, priority: number): Promise<void> {
    await this.prioritySelect(jobId).selectOption(String(priority));
  }

  /** Ids of the queued rows on screen, in the order shown. */
  async queuedOrder(): Promise<string[]> {
    return this.page
      .locator('.queue-scroll [data-state="queued"]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id') ?? ''));
  }

  /** An unfinished parent job (a batch): one row above the queue, its requests behind a toggle. */
  parentRow(jobId: string): Locator {
    return this.page.locator(`.parent-jobs .parent-job[data-job-id="${jobId}"]`);
  }

  async openParent(jobId: string): Promise<Locator> {
    await this.parentRow(jobId).getByRole('button', { name: `Show the requests of job ${jobId}` }).click();
    return this.page.getByRole('table', { name: `Requests of job ${jobId}` });
  }

  get counts(): Locator {
    return this.page.getByLabel('Queue counts');
  }
}
