/**
 * better-sqlite3 inside Electron needs a build for Electron's ABI, while tests and headless use
 * the Node build in node_modules. `scripts/build-electron-sqlite.mjs` builds the Electron one
 * into `.electron-abi/<electron version>/better_sqlite3.node`; the desktop host hands that path
 * to the engine as better-sqlite3's `nativeBinding`.
 */
import path from 'node:path';

export const ELECTRON_ABI_FOLDER = '.electron-abi';

export function electronSqliteBindingPath(appRoot: string, electronVersion: string): string {
  return path.join(appRoot, ELECTRON_ABI_FOLDER, electronVersion, 'better_sqlite3.node');
}

export interface SqliteBindingChoice {
  /** The binding to pass as nativeBinding, or null to let better-sqlite3 find its own. */
  nativeBinding: string | null;
  /** Set when the Electron build is missing: what to run. */
  warning: string | null;
}

export function chooseSqliteBinding(appRoot: string, electronVersion: string, exists: (file: string) => boolean): SqliteBindingChoice {
  const file = electronSqliteBindingPath(appRoot, electronVersion);
  if (exists(file)) return { nativeBinding: file, warning: null };
  return {
    nativeBinding: null,
    warning: `no better-sqlite3 build for Electron ${electronVersion} at ${file}; run "node scripts/build-electron-sqlite.mjs"`,
  };
}
