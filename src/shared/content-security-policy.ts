/**
 * The UI's Content-Security-Policy, for the desktop window and the LAN server's pages (response
 * headers) and the web build (a <meta> tag). The renderer loads only its own files and runs no
 * inline script; it talks IPC (desktop) or to its own origin (web). The dev server (electron-vite
 * dev) needs inline script/style for hot reload and a socket to itself. `meta`: the variant built
 * into index.html, without the directive a <meta> tag cannot carry (frame-ancestors).
 */
export function contentSecurityPolicy(devServerOrigin: string | null, delivery: 'header' | 'meta' = 'header'): string {
  const dev = devServerOrigin !== null;
  const devSocket = dev ? ` ${devServerOrigin.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'none'",
    `script-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    `style-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${devSocket}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(delivery === 'header' ? ["frame-ancestors 'none'"] : []),
    "object-src 'none'",
  ].join('; ');
}
