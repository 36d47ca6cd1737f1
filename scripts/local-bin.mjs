// The project's own CLIs, run with this Node directly (no npx: faster, and no npm chatter).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const BINS = {
  vite: ['vite/package.json', 'bin/vite.js'],
  'electron-vite': ['electron-vite/package.json', 'bin/electron-vite.js'],
  playwright: ['@playwright/test/package.json', 'cli.js'],
  tsx: ['tsx/package.json', 'dist/cli.mjs'],
};

/** [node, script] for one of the CLIs above. */
export function localBin(name) {
  const [pkg, file] = BINS[name];
  return [process.execPath, path.join(path.dirname(require.resolve(pkg)), file)];
}
