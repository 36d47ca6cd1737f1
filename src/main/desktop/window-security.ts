/**
 * Secure defaults for the one window: isolated, sandboxed preload; a strict CSP sent as a
 * response header; no navigation away from our page; no new windows; no permissions but
 * clipboard writes (the Team tab's copy buttons).
 */
import type { Session, WebContents, WebPreferences } from 'electron';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

type Headers = Record<string, string[] | string>;

/** Response headers with our CSP, replacing any the response brought (in whatever case). */
export function withCspHeader(headers: Headers | undefined, policy: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    result[name] = Array.isArray(value) ? value : [value];
  }
  result['Content-Security-Policy'] = [policy];
  return result;
}

const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}

export function installSessionPolicies(session: Session, policy: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders, policy) });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionAllowed(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission));
}

export interface NavigationPolicy {
  /** Our own page (file:// build or dev server). */
  isAppUrl(url: string): boolean;
  /** Opens http(s) links in the user's browser. */
  openExternal(url: string): void;
}

const isWebLink = (url: string): boolean => /^https?:\/\//i.test(url);

/** Keeps a webContents on our page: links leave for the browser, everything else is refused. */
export function hardenWebContents(contents: WebContents, policy: NavigationPolicy): void {
  const refuse = (event: { preventDefault(): void }, url: string): void => {
    if (policy.isAppUrl(url)) return;
    event.preventDefault();
    if (isWebLink(url)) policy.openExternal(url);
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isWebLink(url)) policy.openExternal(url);
    return { action: 'deny' };
  });
}
