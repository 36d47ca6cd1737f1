/** The Schedules tab: a schedule's row, its next runs, enable/disable, run now, its history of runs. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class SchedulesPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.open('Schedules');
  }

  row(name: string): Locator {
    return this.page.locator(`tr[data-schedule-name="${name}"]`);
  }

  nextRuns(name: string): Locator {
    return this.row(name).locator('[data-next-run]');
  }

  button(name: string, label: 'Disable' | 'Enable' | 'Run now' | 'History'): Locator {
    return this.row(name).getByRole('button', { name: label, exact: true });
  }

  /** A job in the open history of runs. */
  historyJob(schedule: string, jobId: string): Locator {
    return this.page.getByRole('table', { name: `Runs of ${schedule}` }).locator(`tr[data-job-id="${jobId}"]`);
  }
}
