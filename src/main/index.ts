/** Electron entry: everything lives in desktop/desktop-app.ts, which takes Electron's API from the module. */
import { runDesktopApp } from './desktop/desktop-app';

runDesktopApp().catch((error: unknown) => {
  process.stderr.write(`LM Queue failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
