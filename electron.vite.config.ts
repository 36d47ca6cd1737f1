import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/shared/content-security-policy';

/** The production CSP as a <meta> tag too: file:// pages get no response headers to carry it. */
const cspMeta = (): Plugin => ({
  name: 'lmq-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(null, 'meta') }, injectTo: 'head-prepend' },
  ],
});


/**
 * Desktop build into out/: main (ESM, deps such as better-sqlite3 stay external), preload
 * (CommonJS: a sandboxed preload cannot be an ES module) and the renderer — the same bundle
 * vite.web.config.ts builds for the LAN server.
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      // The WAL checkpoint thread is its own file, found next to the main bundle at run time.
      lib: { entry: { index: 'src/main/index.ts', 'wal-checkpoint-worker': 'src/main/core/store/wal-checkpoint-worker.js' } },
    },
  },
  preload: {
    build: {
      // Bundle everything: a sandboxed preload can require only `electron` and a few builtins.
      externalizeDeps: false,
      lib: { entry: 'src/preload/index.ts' },
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react(), cspMeta()],
    build: { rolldownOptions: { input: 'src/renderer/index.html' } },
  },
});
