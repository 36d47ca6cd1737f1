import { defineConfig, type PlaywrightTestProject } from '@playwright/test';

/**
 * Web UI tests run in Debian's Chromium (`npx playwright install` cannot download browsers
 * here) against a headless server each test starts (e2e/fixtures.ts). The Electron smoke
 * test runs where an Electron binary exists and says why it is skipped where it does not.
 * Screenshots for the docs: `LMQ_SCREENSHOTS=1 npm run e2e -- --project screenshots`.
 */
export const CHROMIUM_PATH = process.env.LMQ_CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const browser = {
  browserName: 'chromium' as const,
  launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  viewport: { width: 1440, height: 900 },
  colorScheme: 'light' as const,
};

const projects: PlaywrightTestProject[] = [
  { name: 'web', testIgnore: [/electron-.*\.spec\.ts$/, /screenshots\.spec\.ts$/], use: browser },
  { name: 'electron', testMatch: /electron-.*\.spec\.ts$/ },
];
if (process.env.LMQ_SCREENSHOTS) projects.push({ name: 'screenshots', testMatch: /screenshots\.spec\.ts$/, use: browser });

export default defineConfig({
  testDir: 'e2e',
  // Not test-results/ itself: Playwright empties its outputDir, and vitest's CI report lives there.
  outputDir: 'test-results/e2e-artifacts',
  // Two shared cores: a server, a simulator and a browser per test are enough load.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // CI also writes a JSON report; scripts/test-summary.mjs turns it into one closing line.
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/playwright.json' }]] : [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure', actionTimeout: 10_000 },
  projects,
});
