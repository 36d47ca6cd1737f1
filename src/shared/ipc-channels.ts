/**
 * IPC channel names shared by the preload and the main-side IPC adapter (which does not import
 * electron either: it is handed ipcMain).
 */
import type { EventName, HandlerName } from './contract';

const INVOKE_PREFIX = 'lmq:invoke:';
const EVENT_PREFIX = 'lmq:event:';

/** One `ipcMain.handle` channel per handler of the shared map. */
export function invokeChannel(name: HandlerName): string {
  return `${INVOKE_PREFIX}${name}`;
}

/** One `webContents.send` channel per pushed event. */
export function eventChannel(event: EventName): string {
  return `${EVENT_PREFIX}${event}`;
}

/** What an invoke channel answers: handlers never reject, so error codes survive the trip. */
export type IpcResponse<T> = { result: T } | { error: { code: string; message: string } };
