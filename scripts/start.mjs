#!/usr/bin/env node
// `npm start [-- args]`: the desktop app where Electron can run; elsewhere the headless server
// with the web UI (args go to it, e.g. `npm start -- --host 0.0.0.0 --port 1235`).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './build-outputs.mjs';
import { electronBinary } from './electron-binary.mjs';
import { localBin } from './local-bin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fromRoot = (...parts) => parts.map((p) => path.join(root, p));

function build([name, ...buildArgs], output, sources) {
  if (!isStale(path.join(root, output), fromRoot(...sources))) return;
  const [node, script] = localBin(name);
  const result = spawnSync(node, [script, ...buildArgs], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs `command` in the foreground, passing on Ctrl-C / SIGTERM, and exits with its code. */
function runForeground(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
if ('path' in electron) {
  build(['electron-vite', 'build', '--logLevel', 'warn'], 'out/main/index.js', ['src', 'electron.vite.config.ts', 'package.json']);
  runForeground(electron.path, [root, ...args]);
} else {
  console.log(`Electron isn't available here (${electron.missing}), so this starts the headless server with the web UI instead.`);
  build(['vite', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], 'dist-web/index.html', ['src/renderer', 'src/shared', 'vite.web.config.ts']);
  const [node, tsx] = localBin('tsx');
  runForeground(node, [tsx, 'src/main/headless.ts', ...args]);
}
