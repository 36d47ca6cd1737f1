#!/usr/bin/env node
// `npm run e2e [-- playwright args]`: makes sure Debian's Chromium is there, builds the web UI
// (and the desktop app where Electron can run), then runs Playwright. Never skips silently.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './build-outputs.mjs';
import { electronBinary } from './electron-binary.mjs';
import { localBin } from './local-bin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.LMQ_CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function hasAptGet() {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

if (!existsSync(chromium)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasAptGet()) {
    console.error(`e2e: Chromium is missing at ${chromium}. Install it with:\n  sudo ${INSTALL}\n(or set LMQ_CHROMIUM_PATH to a Chromium binary)`);
    process.exit(1);
  }
  console.log(`e2e: Chromium is missing at ${chromium}; installing it: ${INSTALL}`);
  if (run('sh', ['-c', INSTALL], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) !== 0 || !existsSync(chromium)) {
    console.error(`e2e: installing Chromium failed. Run by hand:\n  ${INSTALL}`);
    process.exit(1);
  }
}

/** Runs one of the project's CLIs (vite, electron-vite, playwright) with this Node. */
function runBin(name, args) {
  const [node, script] = localBin(name);
  return run(node, [script, ...args]);
}

console.log('e2e: building the web UI (dist-web/)');
if (runBin('vite', ['build', '--config', 'vite.web.config.ts', '--logLevel', 'warn']) !== 0) process.exit(1);

const electron = electronBinary();
if ('path' in electron) {
  const sources = ['src', 'electron.vite.config.ts'].map((p) => path.join(root, p));
  if (isStale(path.join(root, 'out/main/index.js'), sources)) {
    console.log('e2e: building the desktop app (out/) for the Electron smoke test');
    if (runBin('electron-vite', ['build', '--logLevel', 'warn']) !== 0) process.exit(1);
  }
  console.log(`e2e: the Electron smoke test runs with ${electron.path}`);
} else {
  console.log(`e2e: the Electron smoke test will be SKIPPED: ${electron.missing}. It runs where an Electron binary is installed.`);
}

process.exit(runBin('playwright', ['test', ...process.argv.slice(2)]));
