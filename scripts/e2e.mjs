#!/usr/bin/env node
// `npm run e2e [-- playwright args]`: makes sure Debian's Chromium is there, builds the web UI
// (and the desktop app where Electron can run), then runs Playwright. Never skips silently.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAptPackage } from './apt-package.mjs';
import { build, buildWhenStale, DESKTOP_APP, WEB_UI } from './build-outputs.mjs';
import { electronBinary } from './electron-binary.mjs';
import { localBin } from './local-bin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.LMQ_CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const log = (line) => console.log(`e2e: ${line}`);
if (!ensureAptPackage({ pkg: 'chromium', isPresent: () => existsSync(chromium), label: 'e2e', log })) {
  console.error(`e2e: Chromium is needed at ${chromium} (or set LMQ_CHROMIUM_PATH to a Chromium binary)`);
  process.exit(1);
}

if (build(WEB_UI, log) !== 0) process.exit(1);

const electron = electronBinary();
if ('path' in electron) {
  if (buildWhenStale(DESKTOP_APP, log) !== 0) process.exit(1);
  console.log(`e2e: the Electron smoke test runs with ${electron.path}`);
} else {
  console.log(`e2e: the Electron smoke test will be SKIPPED: ${electron.missing}. It runs where an Electron binary is installed.`);
}

const [node, playwright] = localBin('playwright');
process.exit(run(node, [playwright, 'test', ...process.argv.slice(2)]));
