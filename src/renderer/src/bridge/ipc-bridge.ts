/** The desktop bridge: `window.lmq` from the preload, with rejections turned into BridgeError. */
import type { Bridge, EventName, HandlerArgs, HandlerName, HandlerResult, ServerEvents } from '../../../shared/contract';
import type { AppBridge } from './app-bridge';
import { toBridgeError } from './bridge-error';

export function createIpcBridge(lmq: Bridge, shareUrls: readonly string[]): AppBridge {
  return {
    shareUrls,
    async invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>> {
      try {
        return await lmq.invoke(name, args);
      } catch (reason) {
        throw toBridgeError(reason);
      }
    },
    subscribe<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void) {
      return lmq.subscribe(event, listener);
    },
    // IPC is in-process: it is up as long as the window is.
    onConnectionChange(listener) {
      listener(true);
      return () => {};
    },
    setToken() {},
    linkTo: (path) => (shareUrls[0] ? `${shareUrls[0]}${path}` : null),
  };
}
