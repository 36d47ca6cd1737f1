#!/usr/bin/env node
// `npm start [-- args]`: the desktop app where Electron can run; elsewhere the headless server
// with the web UI (args go to it, e.g. `npm start -- --host 0.0.0.0 --port 1235`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWhenStale, DESKTOP_APP, WEB_UI } from './build-outputs.mjs';
import { electronBinary } from './electron-binary.mjs';
import { localBin } from './local-bin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** Runs `command` in the foreground, passing on Ctrl-C / SIGTERM, and exits with its code. */
function runForeground(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function buildOrExit(target) {
  const status = buildWhenStale(target);
  if (status !== 0) process.exit(status);
}

const electron = electronBinary();
if ('path' in electron) {
  buildOrExit(DESKTOP_APP);
  runForeground(electron.path, [root, ...args]);
} else {
  console.log(`Electron isn't available here (${electron.missing}), so this starts the headless server with the web UI instead.`);
  buildOrExit(WEB_UI);
  const [node, tsx] = localBin('tsx');
  runForeground(node, [tsx, 'src/main/headless.ts', ...args]);
}
