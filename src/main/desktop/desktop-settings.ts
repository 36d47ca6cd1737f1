/**
 * The desktop app reads the same LMQ_* settings as `npm run serve` (env only: Electron's argv
 * carries its own flags). Defaults differ where a desktop app should: the queue lives in the
 * app's user-data folder and the LAN server serves the window's own renderer build.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseHeadlessOptions, type HeadlessOptions } from '../headless-options';

export interface DesktopPaths {
  /** app.getPath('userData'). */
  userData: string;
  /** The built renderer folder (out/renderer), served to teammates as the web UI. */
  rendererDir: string;
  cwd: string;
}

export function desktopSettings(env: NodeJS.ProcessEnv, paths: DesktopPaths): HeadlessOptions {
  const options = parseHeadlessOptions([], env, paths.cwd);
  const dataDirFromEnv = env.LMQ_DATA_DIR?.trim();
  return {
    ...options,
    dataDir: dataDirFromEnv ? options.dataDir : path.join(paths.userData, 'queue'),
    // Not there under `electron-vite dev` (the dev server holds it): serve no web UI then.
    webRoot: existsSync(path.join(paths.rendererDir, 'index.html')) ? paths.rendererDir : null,
  };
}
