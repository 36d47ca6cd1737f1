import { describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';
import {
  hardenWebContents,
  installSessionPolicies,
  isPermissionAllowed,
  secureWebPreferences,
  withCspHeader,
} from './window-security';

vi.mock('electron', () => ({}));

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the renderer and points at the CommonJS preload', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('installSessionPolicies', () => {
  it('adds the CSP to every response and refuses permissions except clipboard writes', () => {
    let onHeaders: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined;
    let onRequest: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;
    const session = {
      webRequest: { onHeadersReceived: (listener: typeof onHeaders) => (onHeaders = listener) },
      setPermissionRequestHandler: (handler: typeof onRequest) => (onRequest = handler),
      setPermissionCheckHandler: vi.fn(),
    } as unknown as Session;
    installSessionPolicies(session, "default-src 'none'");
    const callback = vi.fn();
    onHeaders!({ responseHeaders: {} }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': ["default-src 'none'"] } });
    const decide = vi.fn();
    onRequest!({}, 'media', decide);
    onRequest!({}, 'clipboard-sanitized-write', decide);
    expect(decide.mock.calls).toEqual([[false], [true]]);
    expect(isPermissionAllowed('geolocation')).toBe(false);
  });
});

describe('hardenWebContents', () => {
  function fakeContents() {
    const listeners = new Map<string, (event: { url?: string; preventDefault(): void }) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, listener: (event: { url?: string; preventDefault(): void }) => void) => listeners.set(name, listener),
      setWindowOpenHandler: (handler: typeof openHandler) => (openHandler = handler),
    } as unknown as WebContents;
    return { contents, listeners, open: (url: string) => openHandler!({ url }) };
  }

  it('blocks navigation away from our page and sends web links to the browser', () => {
    const { contents, listeners } = fakeContents();
    const openExternal = vi.fn();
    hardenWebContents(contents, { isAppUrl: (url) => url.startsWith('file:///app/'), openExternal });
    const stay = { url: 'file:///app/index.html#team', preventDefault: vi.fn() };
    listeners.get('will-navigate')!(stay);
    expect(stay.preventDefault).not.toHaveBeenCalled();
    const away = { url: 'https://example.com/', preventDefault: vi.fn() };
    listeners.get('will-navigate')!(away);
    expect(away.preventDefault).toHaveBeenCalled();
    expect(openExternal).toHaveBeenCalledWith('https://example.com/');
    const file = { url: 'file:///etc/passwd', preventDefault: vi.fn() };
    listeners.get('will-redirect')!(file);
    expect(file.preventDefault).toHaveBeenCalled();
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('denies every new window', () => {
    const { contents, open, listeners } = fakeContents();
    const openExternal = vi.fn();
    hardenWebContents(contents, { isAppUrl: () => true, openExternal });
    expect(open('https://docs.example/')).toEqual({ action: 'deny' });
    expect(open('file:///app/index.html')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    const webview = { preventDefault: vi.fn() };
    listeners.get('will-attach-webview')!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });
});

describe('withCspHeader', () => {
  it('is sent as a response header, replacing whatever the response had', () => {
    const headers = withCspHeader({ 'content-security-policy': ['default-src *'], 'Content-Type': 'text/html' }, 'X');
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ['X'] });
  });
});
