/**
 * Picks the transport once, at start: IPC inside the desktop app (the preload defined
 * `window.lmq`), else HTTP + WebSocket to the origin that served the page. Nothing else in the
 * renderer asks which one it got.
 */
import type { Bridge } from '../../../shared/contract';
import { readAccessToken, saveAccessToken } from './access-token';
import type { AppBridge } from './app-bridge';
import { createHttpBridge } from './http-bridge';
import { createIpcBridge } from './ipc-bridge';

declare global {
  interface Window {
    lmq?: Bridge;
  }
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The desktop app passes the LAN server's URLs in `?share=` (comma-separated). */
function shareUrlsFromPage(): string[] {
  const value = new URL(window.location.href).searchParams.get('share');
  return value ? value.split(',').filter((url) => /^https?:\/\//.test(url)) : [];
}

export function initBridge(): AppBridge {
  if (window.lmq) return createIpcBridge(window.lmq, shareUrlsFromPage());
  const storage = safeStorage();
  return createHttpBridge({
    origin: window.location.origin,
    token: readAccessToken({
      location: window.location,
      storage,
      replaceUrl: (url) => window.history.replaceState(null, '', url),
    }),
    fetch: window.fetch.bind(window),
    openSocket: (url, handlers) => {
      const socket = new WebSocket(url);
      socket.onopen = handlers.onOpen;
      socket.onmessage = (message) => handlers.onMessage(message.data);
      socket.onclose = handlers.onClose;
      return socket;
    },
    onTokenChange: (token) => saveAccessToken(storage, token),
  });
}
