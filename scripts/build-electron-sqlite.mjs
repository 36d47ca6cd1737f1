#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .electron-abi/<electron version>/better_sqlite3.node,
// which the desktop app passes to better-sqlite3 as `nativeBinding`. The Node build in
// node_modules stays as it is, for tests and `npm run serve`.
//
// Needs what any Electron native build needs: a C++ toolchain, Python, and network access to
// Electron's headers (https://electronjs.org/headers). It tries a prebuilt binary first
// (prebuild-install), then compiles (node-gyp). Run it once after `npm install`, and again after
// upgrading electron or better-sqlite3:  node scripts/build-electron-sqlite.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronVersion } from './electron-binary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const version = electronVersion();
const arch = process.env.npm_config_arch || process.arch;
const target = path.join(root, '.electron-abi', version, 'better_sqlite3.node');
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const bundled = path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(bundled)) return bundled;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

function run(cwd, command, args) {
  console.log(`> ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { cwd, stdio: 'inherit' }).status === 0;
}

// Build in a copy so node_modules/better-sqlite3/build (the Node build) is never touched.
const work = mkdtempSync(path.join(os.tmpdir(), 'lmq-electron-sqlite-'));
try {
  for (const entry of ['package.json', 'binding.gyp', 'src', 'deps', 'lib']) cpSync(path.join(sqliteDir, entry), path.join(work, entry), { recursive: true });
  const built = path.join(work, 'build/Release/better_sqlite3.node');
  const electronFlags = [`--runtime=electron`, `--target=${version}`, `--arch=${arch}`];

  let ok = false;
  try {
    const prebuild = path.join(path.dirname(require.resolve('prebuild-install/package.json')), 'bin.js');
    ok = run(work, process.execPath, [prebuild, ...electronFlags]) && existsSync(built);
  } catch {
    ok = false;
  }
  if (!ok) {
    const gyp = nodeGyp();
    if (!gyp) {
      console.error('build-electron-sqlite: node-gyp not found (set npm_config_node_gyp to its bin/node-gyp.js).');
      process.exit(1);
    }
    ok = run(work, process.execPath, [gyp, 'rebuild', '--release', ...electronFlags, '--dist-url=https://electronjs.org/headers']) && existsSync(built);
  }
  if (!ok) {
    console.error(`build-electron-sqlite: could not build better-sqlite3 for Electron ${version} (see above).`);
    process.exit(1);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(built, target);
  console.log(`build-electron-sqlite: wrote ${path.relative(root, target)} (Electron ${version}, ${arch})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
