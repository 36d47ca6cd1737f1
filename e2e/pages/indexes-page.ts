/** The Indexes tab: an index's card (its facts, last job, skipped files, actions, search) and the create form. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class IndexesPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.open('Indexes');
  }

  get region(): Locator {
    return this.page.getByRole('region', { name: 'Indexes', exact: true });
  }

  get newIndexButton(): Locator {
    return this.region.getByRole('button', { name: 'New index', exact: true });
  }

  /** What the tab says when the server runs without index roots. */
  get offNotice(): Locator {
    return this.region.getByRole('status').filter({ hasText: 'Indexing is off.' });
  }

  get form(): IndexFormPart {
    return new IndexFormPart(this.page.getByRole('form', { name: 'New index' }));
  }

  card(name: string): IndexCardPart {
    return new IndexCardPart(this.page.getByRole('article', { name: `Index ${name}`, exact: true }), name);
  }
}

export class IndexFormPart {
  constructor(readonly root: Locator) {}

  field(label: 'Name' | 'Folder' | 'Embedding model' | 'Chunk tokens' | 'Overlap tokens' | 'Include globs'): Locator {
    return this.root.getByLabel(label, { exact: true });
  }

  get problems(): Locator {
    return this.root.getByRole('list', { name: 'What to fix' });
  }

  /** The server's refusal. */
  get refusal(): Locator {
    return this.root.getByRole('alert').filter({ hasText: 'Not created.' });
  }

  get submit(): Locator {
    return this.root.getByRole('button', { name: 'Create index' });
  }
}

export class IndexCardPart {
  constructor(
    readonly root: Locator,
    readonly name: string,
  ) {}

  fact(field: 'path' | 'model' | 'documents' | 'chunks' | 'size' | 'owner'): Locator {
    return this.root.locator(`[data-field="${field}"]`);
  }

  /** The last index job: carries data-job-id, data-state and data-stage. */
  get job(): Locator {
    return this.root.getByRole('group', { name: `Last index job of ${this.name}` });
  }

  get progress(): Locator {
    return this.root.getByRole('progressbar', { name: `Progress of index ${this.name}` });
  }

  get skippedSummary(): Locator {
    return this.root.locator('summary[data-field="skipped"]');
  }

  get skippedTable(): Locator {
    return this.root.getByRole('table', { name: `Files skipped by ${this.name}` });
  }

  button(label: 'Re-index' | 'Delete'): Locator {
    return this.root.getByRole('button', { name: label === 'Delete' ? `Delete index ${this.name}` : `Re-index ${this.name}` });
  }

  async search(query: string, k?: number): Promise<void> {
    const form = this.root.getByRole('form', { name: `Search ${this.name}` });
    await form.getByLabel('Query').fill(query);
    if (k !== undefined) await form.getByLabel('Results').fill(String(k));
    await form.getByRole('button', { name: 'Search' }).click();
  }

  get results(): Locator {
    return this.root.getByRole('list', { name: `Results from ${this.name}` }).getByRole('listitem');
  }
}
