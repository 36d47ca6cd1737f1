/**
 * The Electron IPC transport of the handler map: one `ipcMain.handle` channel per handler,
 * answered only for our own window, errors shaped as `{error: {code, message}}`; pushed
 * events go to the window with `webContents.send`. Takes Electron's objects as parameters
 * (only main/index.ts and main/desktop import electron).
 */
import { EVENT_NAMES, HANDLER_NAMES, type EventName, type HandlerName, type HandlerResult, type ServerEvents } from '../../shared/contract';
import { eventChannel, invokeChannel, type IpcResponse } from '../../shared/ipc-channels';
import { toLmqError } from './api-errors';
import type { CallerContext } from './caller';
import type { Dispatcher } from './dispatcher';

/** What the adapter reads of Electron's IpcMainInvokeEvent. */
export interface IpcInvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcAdapterOptions {
  ipcMain: IpcMainLike;
  dispatcher: Pick<Dispatcher, 'invoke'>;
  /** The desktop user: the local admin. */
  caller: CallerContext;
  isTrustedSender(event: IpcInvokeEventLike): boolean;
  /** Told about each successful call (the desktop shell follows jobs submitted from the window). */
  onResult?<N extends HandlerName>(name: N, result: HandlerResult<N>): void;
  /** Unexpected (internal) errors, for the log; the window only sees a generic message. */
  onInternalError?(name: HandlerName, error: unknown): void;
}

export const UNTRUSTED_SENDER: IpcResponse<never> = {
  error: { code: 'forbidden', message: 'IPC is answered only for the LM Queue window' },
};

/** Registers one channel per handler of the shared contract; returns a function that removes them again. */
export function registerIpcHandlers(options: IpcAdapterOptions): () => void {
  for (const name of HANDLER_NAMES) {
    options.ipcMain.handle(invokeChannel(name), async (event, args): Promise<IpcResponse<unknown>> => {
      if (!options.isTrustedSender(event)) return UNTRUSTED_SENDER;
      try {
        const result = await options.dispatcher.invoke(name, args, options.caller);
        options.onResult?.(name, result);
        return { result };
      } catch (error) {
        const lmqError = toLmqError(error);
        if (lmqError.code === 'internal') options.onInternalError?.(name, error);
        return { error: { code: lmqError.code, message: lmqError.message } };
      }
    });
  }
  return () => {
    for (const name of HANDLER_NAMES) options.ipcMain.removeHandler(invokeChannel(name));
  };
}

export interface TrustedSenderOptions {
  /** The id of our window's webContents, or null before it exists. */
  webContentsId(): number | null;
  /** The renderer's own URLs: the `file://` folder of the built renderer, or the dev server's origin. */
  appUrlPrefixes: readonly string[];
}

/** Our window, showing our page: anything else (another window, a navigated frame) is refused. */
export function createTrustedSenderCheck(options: TrustedSenderOptions): (event: IpcInvokeEventLike) => boolean {
  return (event) => {
    const id = options.webContentsId();
    if (id === null || event.sender.id !== id) return false;
    const url = event.senderFrame?.url;
    return url !== undefined && isAppUrl(url, options.appUrlPrefixes);
  };
}

export function isAppUrl(url: string, prefixes: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Compare without query and hash: the window is loaded with `?share=` and uses `#tab`.
  const bare = `${parsed.origin === 'null' ? `${parsed.protocol}//` : parsed.origin}${parsed.pathname}`;
  return prefixes.some((prefix) => bare.startsWith(prefix));
}

/** What the adapter needs of a window's webContents to push events. */
export interface EventTargetLike {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

type EngineOn = <E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void) => () => void;

/** Pushes every ServerEvent to the current window (if any); returns unsubscribe. */
export function forwardServerEvents(on: EngineOn, target: () => EventTargetLike | null): () => void {
  const unsubscribers = EVENT_NAMES.map((event) =>
    on(event, (payload) => {
      const contents = target();
      if (contents && !contents.isDestroyed()) contents.send(eventChannel(event), payload);
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
