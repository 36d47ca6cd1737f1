/** The parts of the UI around the tabs: tab bar, banners, signed-in user. */
import type { Locator, Page } from '@playwright/test';

export type TabName = 'Queue' | 'Submit' | 'LM Studio' | 'Team' | 'History' | 'Schedules' | 'Indexes';

export class AppShell {
  constructor(readonly page: Page) {}

  tab(name: TabName): Locator {
    return this.page.getByRole('tab', { name: new RegExp(`^${name}`) });
  }

  async open(name: TabName): Promise<void> {
    await this.tab(name).click();
  }

  banner(text: string | RegExp): Locator {
    return this.page.locator('.banners [role="alert"], .banners [role="status"]').filter({ hasText: text });
  }

  /** "alice · member" in the header. */
  get signedInAs(): Locator {
    return this.page.locator('.who');
  }
}
