// Where the Electron binary is, found without `require('electron')`: that require tries to
// download the binary when it is missing, which cannot work on machines without network access
// to GitHub (installs there use ELECTRON_SKIP_BINARY_DOWNLOAD=1).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** @returns {{ path: string } | { missing: string }} */
export function electronBinary() {
  let packageDir;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (!relative) return { missing: 'no Electron binary was downloaded; electron was installed with ELECTRON_SKIP_BINARY_DOWNLOAD' };
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(packageDir, 'dist');
  const binary = path.join(distDir, relative);
  return existsSync(binary) ? { path: binary } : { missing: `${binary} does not exist` };
}

/** @returns {string} the installed Electron version, e.g. "45.4.1" */
export function electronVersion() {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}
