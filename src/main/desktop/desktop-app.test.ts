/**
 * The whole desktop shell with Electron replaced at the module boundary: engine and LAN server
 * start with the app, IPC answers our window, a job submitted from the window ends in a
 * desktop notification, and quitting closes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../../tools/lmstudio-sim/simulator';

const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown;
  const appListeners = new Map<string, Listener[]>();
  const ipcHandlers = new Map<string, Listener>();
  const notifications: Array<{ title: string; body: string }> = [];
  const windows: Array<{ options: Record<string, unknown>; webContents: { id: number; send: Listener; isDestroyed: () => boolean } }> = [];
  const state = { userData: '', exited: null as number | null };
  return { appListeners, ipcHandlers, notifications, windows, state };
});

vi.mock('electron', () => {
  const on = (name: string, listener: (...args: unknown[]) => unknown) => {
    fake.appListeners.set(name, [...(fake.appListeners.get(name) ?? []), listener]);
  };
  class BrowserWindow {
    readonly webContents = { id: 1, send: vi.fn(), isDestroyed: () => false };
    constructor(readonly options: Record<string, unknown>) {
      fake.windows.push(this);
    }
    once() {}
    on() {}
    loadFile = vi.fn().mockResolvedValue(undefined);
    loadURL = vi.fn().mockResolvedValue(undefined);
  }
  class Notification {
    static isSupported = () => true;
    constructor(private readonly options: { title: string; body: string }) {}
    show() {
      fake.notifications.push(this.options);
    }
  }
  class Tray {
    setToolTip() {}
    setTitle() {}
    setContextMenu() {}
    on() {}
    destroy() {}
  }
  return {
    app: {
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      getPath: () => fake.state.userData,
      getAppPath: () => '/nonexistent-app',
      isPackaged: false,
      on,
      quit: vi.fn(),
      exit: (code: number) => {
        fake.state.exited = code;
      },
    },
    BrowserWindow,
    Notification,
    Tray,
    Menu: { buildFromTemplate: (template: unknown) => template },
    nativeImage: { createFromBitmap: () => ({}) },
    dialog: { showErrorBox: vi.fn() },
    shell: { openExternal: vi.fn() },
    ipcMain: {
      handle: (channel: string, listener: (...args: unknown[]) => unknown) => fake.ipcHandlers.set(channel, listener),
      removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: vi.fn() },
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
      },
    },
  };
});

const rendererDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../renderer');
const ourFrame = { sender: { id: 1 }, senderFrame: { url: `${pathToFileURL(rendererDir)}/index.html` } };
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01, parallel: 2, maxOutputTokens: 24 });
  fake.state.userData = mkdtempSync(path.join(os.tmpdir(), 'lmq-desktop-'));
  vi.stubEnv('LMQ_BACKEND_URL', sim.url);
  vi.stubEnv('LMQ_PORT', '0');
  vi.stubEnv('LMQ_DATA_DIR', '');
  vi.stubEnv('LMQ_LOG_LEVEL', 'silent');
  const { runDesktopApp } = await import('./desktop-app');
  await runDesktopApp();
});

afterAll(async () => {
  for (const listener of fake.appListeners.get('before-quit') ?? []) listener({ preventDefault() {} });
  await vi.waitFor(() => expect(fake.state.exited).toBe(0), { timeout: 15_000 });
  await sim.close();
  vi.unstubAllEnvs();
  rmSync(fake.state.userData, { recursive: true, force: true });
});

async function invoke(name: string, args: unknown, event: object = ourFrame): Promise<unknown> {
  return fake.ipcHandlers.get(`lmq:invoke:${name}`)!(event, args);
}

describe('desktop app', () => {
  it('opens one sandboxed window with the CommonJS preload', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = fake.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(prefs.preload)).toMatch(/preload[/\\]index\.cjs$/);
  });

  it('answers the window as the local admin and refuses other senders', async () => {
    expect(await invoke('session.whoami', undefined)).toEqual({ result: { owner: 'local', role: 'admin', maxPriority: 9 } });
    const stranger = { sender: { id: 2 }, senderFrame: ourFrame.senderFrame };
    expect(await invoke('session.whoami', undefined, stranger)).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('notifies when a job submitted from the window finishes, and pushes its updates', async () => {
    const submitted = (await invoke('jobs.submit', {
      kind: 'chat',
      model: 'sim-model-a',
      input: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 },
    })) as { result: { id: string } };
    expect(submitted.result.id).toMatch(/\w+/);
    await vi.waitFor(() => expect(fake.notifications).toHaveLength(1), { timeout: 10_000 });
    expect(fake.notifications[0]!.title).toBe('Job finished');
    expect(fake.notifications[0]!.body).toContain(submitted.result.id);
    const sent = fake.windows[0]!.webContents.send as ReturnType<typeof vi.fn>;
    expect(sent.mock.calls.some(([channel]) => channel === 'lmq:event:job.updated')).toBe(true);
  });
});
