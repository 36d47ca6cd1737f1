/** The Schedules tab: a schedule's row, its next runs, enable/disable, run now, edit, delete, its history of runs; the schedule form. */
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

  button(name: string, label: 'Disable' | 'Enable' | 'Run now' | 'History' | 'Edit'): Locator {
    return this.row(name).getByRole('button', { name: label, exact: true });
  }

  deleteButton(name: string): Locator {
    return this.row(name).getByRole('button', { name: `Delete schedule ${name}` });
  }

  get newScheduleButton(): Locator {
    return this.page.getByRole('button', { name: 'New schedule', exact: true });
  }

  /** The create form ('New schedule') or an edit form ('Edit <name>'). */
  form(title: string): ScheduleFormPart {
    return new ScheduleFormPart(this.page.getByRole('form', { name: title }));
  }

  /** A job in the open history of runs. */
  historyJob(schedule: string, jobId: string): Locator {
    return this.page.getByRole('table', { name: `Runs of ${schedule}` }).locator(`tr[data-job-id="${jobId}"]`);
  }
}

export class ScheduleFormPart {
  constructor(readonly root: Locator) {}

  field(label: string | RegExp): Locator {
    return this.root.getByLabel(label);
  }

  get cron(): Locator {
    return this.field(/^Cron/);
  }

  get timezone(): Locator {
    return this.field('Time zone');
  }

  /** The live preview's next run times. */
  get previewRuns(): Locator {
    return this.root.getByRole('list', { name: 'Next runs preview' }).locator('[data-next-run]');
  }

  /** What the preview says is wrong with the timing, naming the field. */
  get timingProblem(): Locator {
    return this.root.locator('.schedule-preview [role="alert"]');
  }

  get problems(): Locator {
    return this.root.getByRole('list', { name: 'What to fix' });
  }

  submit(label: 'Create schedule' | 'Save changes'): Locator {
    return this.root.getByRole('button', { name: label });
  }
}
