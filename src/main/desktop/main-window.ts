/** The one window. Closing it hides it to the tray: the queue keeps serving the team. */
import { BrowserWindow } from 'electron';
import { secureWebPreferences } from './window-security';

export type RendererSource = { kind: 'file'; path: string } | { kind: 'url'; url: string };

export interface MainWindowOptions {
  preloadPath: string;
  source: RendererSource;
  /** LAN URLs the Team tab shows (passed as `?share=`). */
  shareUrls: readonly string[];
  /** True once the app is quitting: then closing really closes. */
  isQuitting(): boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'LM Queue',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });

  const query = options.shareUrls.length > 0 ? { share: options.shareUrls.join(',') } : undefined;
  if (options.source.kind === 'file') {
    void window.loadFile(options.source.path, query ? { query } : {});
  } else {
    const url = new URL(options.source.url);
    if (query) url.searchParams.set('share', query.share);
    void window.loadURL(url.toString());
  }
  return window;
}

/** Brings the window to the front (tray "Show", a second launch). */
export function revealWindow(window: Pick<BrowserWindow, 'isMinimized' | 'restore' | 'show' | 'focus'> | null): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
