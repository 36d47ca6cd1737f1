// Prints one closing line for CI ("N passed, N failed, N skipped") from the JSON reports that
// vitest and Playwright write under test-results/ when CI is set. The first argument is npm
// test's exit status: a failure no report counted (typecheck, lint, an unhandled error) is one
// failure, so the line never reads green for a red run.
import { existsSync, readFileSync } from 'node:fs';

const totals = { passed: 0, failed: 0, skipped: 0 };
const vitest = 'test-results/vitest.json';
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
const playwright = 'test-results/playwright.json';
if (existsSync(playwright)) {
  const stats = JSON.parse(readFileSync(playwright, 'utf8')).stats ?? {};
  totals.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  totals.failed += stats.unexpected ?? 0;
  totals.skipped += stats.skipped ?? 0;
}
const status = Number(process.argv[2] ?? 0);
if (status !== 0 && totals.failed === 0) totals.failed = 1;
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
