import { describe, expect, it, vi } from 'vitest';
import type { Engine } from '../core/engine-api';
import { EVENT_NAMES, HANDLER_NAMES, type EventName, type ServerEvents } from '../../shared/contract';
import { LmqError } from '../../shared/errors';
import { eventChannel, invokeChannel } from '../../shared/ipc-channels';
import { LOCAL_CALLER } from './caller';
import { createDispatcher } from './dispatcher';
import {
  createTrustedSenderCheck,
  forwardServerEvents,
  isAppUrl,
  registerIpcHandlers,
  UNTRUSTED_SENDER,
  type IpcInvokeEventLike,
  type IpcMainLike,
} from './ipc-adapter';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

const APP_PREFIX = 'file:///opt/lmq/out/renderer/';
const ourWindow: IpcInvokeEventLike = { sender: { id: 7 }, senderFrame: { url: `${APP_PREFIX}index.html?share=x#queue` } };
const trusted = createTrustedSenderCheck({ webContentsId: () => 7, appUrlPrefixes: [APP_PREFIX] });

describe('registerIpcHandlers', () => {
  it('registers one channel for every handler of the shared contract, the same names the dispatcher serves', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispatcher = createDispatcher({} as Engine);
    registerIpcHandlers({ ipcMain, dispatcher, caller: LOCAL_CALLER, isTrustedSender: trusted });
    expect([...dispatcher.names].sort()).toEqual([...HANDLER_NAMES].sort());
    expect([...handlers.keys()].sort()).toEqual(HANDLER_NAMES.map(invokeChannel).sort());
    expect(invokeChannel('jobs.submit')).toBe('lmq:invoke:jobs.submit');
  });

  it('answers our window with {result} and passes the local caller', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispatch = vi.fn().mockReturnValue({ owner: 'local', role: 'admin', maxPriority: 9 });
    const onResult = vi.fn();
    registerIpcHandlers({ ipcMain, dispatcher: { invoke: dispatch }, caller: LOCAL_CALLER, isTrustedSender: trusted, onResult });
    const answer = await handlers.get(invokeChannel('session.whoami'))!(ourWindow, undefined);
    expect(answer).toEqual({ result: { owner: 'local', role: 'admin', maxPriority: 9 } });
    expect(dispatch).toHaveBeenCalledWith('session.whoami', undefined, LOCAL_CALLER);
    expect(onResult).toHaveBeenCalledWith('session.whoami', { owner: 'local', role: 'admin', maxPriority: 9 });
  });

  it('refuses other webContents and pages that are not ours without running the handler', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispatch = vi.fn();
    registerIpcHandlers({ ipcMain, dispatcher: { invoke: dispatch }, caller: LOCAL_CALLER, isTrustedSender: trusted });
    const cancel = handlers.get(invokeChannel('jobs.cancel'))!;
    expect(await cancel({ sender: { id: 8 }, senderFrame: ourWindow.senderFrame }, { id: 'a' })).toEqual(UNTRUSTED_SENDER);
    expect(await cancel({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example/index.html' } }, { id: 'a' })).toEqual(UNTRUSTED_SENDER);
    expect(await cancel({ sender: { id: 7 }, senderFrame: { url: 'file:///etc/passwd' } }, { id: 'a' })).toEqual(UNTRUSTED_SENDER);
    expect(await cancel({ sender: { id: 7 }, senderFrame: null }, { id: 'a' })).toEqual(UNTRUSTED_SENDER);
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('shapes expected errors as {error:{code,message}} and hides internal ones', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const onInternalError = vi.fn();
    const dispatch = vi
      .fn<(...args: unknown[]) => never>()
      .mockImplementationOnce(() => {
        throw new LmqError('not_found', 'no job with id x');
      })
      .mockImplementationOnce(() => {
        throw new Error('SQLITE_BUSY: database is locked at /home/me/.lmqueue');
      });
    registerIpcHandlers({ ipcMain, dispatcher: { invoke: dispatch }, caller: LOCAL_CALLER, isTrustedSender: trusted, onInternalError });
    const get = handlers.get(invokeChannel('jobs.get'))!;
    expect(await get(ourWindow, { id: 'x' })).toEqual({ error: { code: 'not_found', message: 'no job with id x' } });
    expect(await get(ourWindow, { id: 'x' })).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(onInternalError).toHaveBeenCalledTimes(1);
  });

  it('validates args through the real dispatcher', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpcHandlers({ ipcMain, dispatcher: createDispatcher({} as Engine), caller: LOCAL_CALLER, isTrustedSender: trusted });
    const answer = (await handlers.get(invokeChannel('jobs.reprioritize'))!(ourWindow, { id: 'x', priority: 'extreme' })) as { error: { code: string } };
    expect(answer.error.code).toBe('bad_request');
  });

  it('removes its channels again', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const dispatch = vi.fn();
    const remove = registerIpcHandlers({ ipcMain, dispatcher: { invoke: dispatch }, caller: LOCAL_CALLER, isTrustedSender: trusted });
    remove();
    expect(handlers.size).toBe(0);
  });
});

describe('isAppUrl', () => {
  it('accepts the renderer folder and the dev server, ignoring query and hash', () => {
    expect(isAppUrl(`${APP_PREFIX}index.html?share=http://10.0.0.2:1235#team`, [APP_PREFIX])).toBe(true);
    expect(isAppUrl('http://localhost:5173/?share=x', ['http://localhost:5173'])).toBe(true);
    expect(isAppUrl('http://localhost:5174/', ['http://localhost:5173'])).toBe(false);
    expect(isAppUrl('file:///opt/lmq/out/renderer-evil/index.html', [APP_PREFIX])).toBe(false);
    expect(isAppUrl('not a url', [APP_PREFIX])).toBe(false);
  });
});

describe('forwardServerEvents', () => {
  it('sends every event on its own channel to the live window only', () => {
    const listeners = new Map<EventName, (payload: unknown) => void>();
    const on = (<E extends EventName>(event: E, listener: (payload: ServerEvents[E]) => void) => {
      listeners.set(event, listener as (payload: unknown) => void);
      return () => listeners.delete(event);
    }) as Engine['on'];
    const send = vi.fn();
    let destroyed = false;
    const stop = forwardServerEvents(on, () => ({ send, isDestroyed: () => destroyed }));
    expect([...listeners.keys()].sort()).toEqual([...EVENT_NAMES].sort());
    listeners.get('queue.changed')!({ version: 3 });
    expect(send).toHaveBeenCalledWith(eventChannel('queue.changed'), { version: 3 });
    destroyed = true;
    listeners.get('job.updated')!({ id: 'a' });
    expect(send).toHaveBeenCalledTimes(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});
