import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from './src/shared/content-security-policy';

/** The production CSP as a <meta> tag too: file:// pages get no response headers to carry it. */
const cspMeta = (): Plugin => ({
  name: 'lmq-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(null, 'meta') }, injectTo: 'head-prepend' },
  ],
});

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The renderer as a web app in dist-web/, served by the LAN server at `/` (headless picks it up). */
export default defineConfig({
  root: fromRoot('./src/renderer'),
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: fromRoot('./dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});
