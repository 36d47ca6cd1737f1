// The builds `npm start`, `npm run serve` and `npm run e2e` need, and whether one is older than
// its sources, so each rebuilds only when something changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { localBin } from './local-bin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The web UI the headless server serves at `/`. */
export const WEB_UI = {
  what: 'the web UI (dist-web/)',
  command: ['vite', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn', '--configLoader', 'runner'],
  output: 'dist-web/index.html',
  sources: ['src/renderer', 'src/shared', 'vite.web.config.ts', 'package.json'],
};

/** The desktop app: main, preload and renderer under out/. */
export const DESKTOP_APP = {
  what: 'the desktop app (out/)',
  command: ['electron-vite', 'build', '--logLevel', 'warn'],
  output: 'out/main/index.js',
  sources: ['src', 'electron.vite.config.ts', 'package.json'],
};

/** Newest modification time (ms) of the files under `paths` (files or folders). */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (entry) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) {
      for (const name of readdirSync(entry)) if (name !== 'node_modules') visit(path.join(entry, name));
    } else if (stat.mtimeMs > newest) newest = stat.mtimeMs;
  };
  for (const entry of paths) visit(entry);
  return newest;
}

/** True when `output` is missing or older than any file under `sources`. */
export function isStale(output, sources) {
  if (!existsSync(output)) return true;
  return statSync(output).mtimeMs < newestMtime(sources);
}

/** Runs one of the builds above with this Node; returns its exit status. */
export function build(target, log = console.log) {
  log(`building ${target.what}`);
  const [name, ...args] = target.command;
  const [node, script] = localBin(name);
  const result = spawnSync(node, [script, ...args], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Builds `target` when its output is missing or older than its sources; returns the exit status. */
export function buildWhenStale(target, log = console.log) {
  const fromRoot = (entry) => path.join(root, entry);
  if (!isStale(fromRoot(target.output), target.sources.map(fromRoot))) return 0;
  return build(target, log);
}
