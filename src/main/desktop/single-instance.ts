/** One LM Queue per user: a second launch focuses the first window and exits. */
import type { App } from 'electron';

/** Returns false when another instance holds the lock (this one quits). */
export function claimSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, focusExisting: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => focusExisting());
  return true;
}
