/**
 * The whole renderer-facing surface of the desktop app: `window.lmq = {invoke, subscribe}`.
 * Built as CommonJS (sandboxed preloads cannot be ES modules). Never hands out ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Bridge, HandlerArgs, HandlerName, HandlerResult } from '../shared/contract';
import { EVENT_NAMES, type EventName, type ServerEvents } from '../shared/events';
import { eventChannel, invokeChannel, type IpcResponse } from '../shared/ipc-channels';

const bridge = {
  async invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<HandlerResult<N>> {
    const response = (await ipcRenderer.invoke(invokeChannel(name), args)) as IpcResponse<HandlerResult<N>>;
    // A plain object survives contextBridge; an Error would lose its code.
    if ('error' in response) throw { code: response.error.code, message: response.error.message };
    return response.result;
  },
  subscribe<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void {
    if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event "${String(event)}"`);
    const channel = eventChannel(event);
    const forward = (_event: IpcRendererEvent, payload: ServerEvents[E]): void => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
} satisfies Bridge;

contextBridge.exposeInMainWorld('lmq', bridge);
