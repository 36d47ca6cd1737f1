/** The LM Studio tab: LM Studio's state, throughput and the load charts of the last hour. */
import type { Locator, Page } from '@playwright/test';
import { AppShell } from './app-shell';

export class LmStudioPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.open('LM Studio');
  }

  /** "123 tokens/s" over the last half minute. */
  get throughput(): Locator {
    return this.page.locator('[data-field="throughput"]');
  }

  /** "8.1 GB of 12.5 GB": the memory loaded models use, against the budget. */
  get modelMemory(): Locator {
    return this.page.locator('[data-field="model-memory"]');
  }

  /** A model's row in the models table. */
  model(id: string): Locator {
    return this.page.locator(`[data-field="models"] tr[data-model="${id}"]`);
  }

  /** The Neo4j mirror stat (only where the mirror is configured). */
  get neo4jMirror(): Locator {
    return this.page.locator('[data-field="neo4j-mirror"]');
  }

  get noDataYet(): Locator {
    return this.page.locator('[data-field="load-empty"]');
  }

  chart(title: RegExp): Locator {
    return this.page.locator('figure.chart').filter({ has: this.page.locator('figcaption', { hasText: title }) });
  }
}
