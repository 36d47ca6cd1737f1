/**
 * Per-test isolation: each test gets its own LM Studio simulator (in-process, time-scaled) and
 * its own headless LM Queue (own data dir, free port), and pages wait for body[data-ready].
 */
import { test as base, expect, type Page } from '@playwright/test';
import { startSimulator, type Simulator, type SimulatorInput } from '../tools/lmstudio-sim/simulator';
import { startHeadlessServer, type HeadlessServer } from './support/headless-server';
import { LanApi } from './support/lan-api';

/**
 * One slot and ~1.5 s per job at these settings: long enough to see a job queued and its
 * progress move, short enough to keep each test well under 20 s.
 */
export const FAST_SIM: SimulatorInput = {
  parallel: 1,
  tokensPerSecond: 40,
  timeScale: 0.1,
  minOutputTokens: 600,
  maxOutputTokens: 600,
  loadSeconds: 0.5,
};

export interface LmqFixtures {
  simOptions: SimulatorInput;
  /** Start with LM Studio down (the simulator not answering). */
  simStartsDown: boolean;
  serverArgs: string[];
  /** Start the server with --require-auth and this bootstrap admin token (LMQ_ADMIN_TOKEN). */
  adminToken: string | null;
  sim: Simulator;
  lmq: HeadlessServer;
  api: LanApi;
  /** Opens the web UI (optionally with `?token=`) and waits for its first snapshot. */
  openApp: (options?: { token?: string; page?: Page; hash?: string }) => Promise<Page>;
}

export const test = base.extend<LmqFixtures>({
  simOptions: [FAST_SIM, { option: true }],
  simStartsDown: [false, { option: true }],
  serverArgs: [[], { option: true }],
  adminToken: [null, { option: true }],

  sim: async ({ simOptions, simStartsDown }, use) => {
    const sim = await startSimulator(simOptions);
    if (simStartsDown) await sim.setDown(true);
    await use(sim);
    await sim.close();
  },

  lmq: async ({ sim, serverArgs, adminToken }, use, testInfo) => {
    const server = await startHeadlessServer({
      backendUrl: sim.url,
      extraArgs: [...serverArgs, ...(adminToken ? ['--require-auth'] : [])],
      env: adminToken ? { LMQ_ADMIN_TOKEN: adminToken } : {},
    });
    await use(server);
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server-log', { body: server.log(), contentType: 'text/plain' });
    await server.stop();
  },

  api: async ({ lmq, adminToken }, use) => {
    await use(new LanApi(lmq.url, adminToken ?? undefined));
  },

  openApp: async ({ lmq, page }, use) => {
    // Uncaught errors and CSP violations fail the test: both mean something the user would hit.
    const problems: string[] = [];
    const watch = (target: Page): void => {
      target.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      target.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text());
      });
    };
    const watched = new Set<Page>();
    await use(async (options = {}) => {
      const target = options.page ?? page;
      if (!watched.has(target)) {
        watched.add(target);
        watch(target);
      }
      const query = options.token ? `?token=${encodeURIComponent(options.token)}` : '';
      await target.goto(`${lmq.url}/${query}${options.hash ? `#${options.hash}` : ''}`);
      await expect(target.locator('body')).toHaveAttribute('data-ready', 'true');
      return target;
    });
    expect(problems, 'errors in the page').toEqual([]);
  },
});

export { expect };
