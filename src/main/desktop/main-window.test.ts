import { beforeEach, describe, expect, it, vi } from 'vitest';

const created: FakeWindow[] = [];

class FakeWindow {
  readonly listeners = new Map<string, (event: { preventDefault(): void }) => void>();
  readonly loadFile = vi.fn().mockResolvedValue(undefined);
  readonly loadURL = vi.fn().mockResolvedValue(undefined);
  readonly show = vi.fn();
  readonly hide = vi.fn();
  constructor(readonly options: Record<string, unknown>) {
    created.push(this);
  }
  once(name: string, listener: () => void) {
    this.listeners.set(name, listener);
  }
  on(name: string, listener: (event: { preventDefault(): void }) => void) {
    this.listeners.set(name, listener);
  }
}

vi.mock('electron', () => ({ BrowserWindow: FakeWindow }));

const { createMainWindow, revealWindow } = await import('./main-window');

describe('createMainWindow', () => {
  beforeEach(() => {
    created.length = 0;
  });

  it('creates one hidden, secure window and loads the built renderer with the LAN URLs', () => {
    createMainWindow({
      preloadPath: '/app/out/preload/index.cjs',
      source: { kind: 'file', path: '/app/out/renderer/index.html' },
      shareUrls: ['http://10.0.0.5:1235', 'http://127.0.0.1:1235'],
      isQuitting: () => false,
    });
    expect(created).toHaveLength(1);
    const window = created[0]!;
    expect(window.options).toMatchObject({
      show: false,
      webPreferences: { preload: '/app/out/preload/index.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    expect(window.loadFile).toHaveBeenCalledWith('/app/out/renderer/index.html', {
      query: { share: 'http://10.0.0.5:1235,http://127.0.0.1:1235' },
    });
    window.listeners.get('ready-to-show')!({ preventDefault() {} });
    expect(window.show).toHaveBeenCalled();
  });

  it('loads the dev server URL under electron-vite dev', () => {
    createMainWindow({ preloadPath: 'p', source: { kind: 'url', url: 'http://localhost:5173/' }, shareUrls: [], isQuitting: () => false });
    expect(created[0]!.loadURL).toHaveBeenCalledWith('http://localhost:5173/');
  });

  it('hides to the tray on close, and really closes when quitting', () => {
    let quitting = false;
    createMainWindow({ preloadPath: 'p', source: { kind: 'file', path: 'i' }, shareUrls: [], isQuitting: () => quitting });
    const window = created[0]!;
    const close = { preventDefault: vi.fn() };
    window.listeners.get('close')!(close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(window.hide).toHaveBeenCalled();
    quitting = true;
    const finalClose = { preventDefault: vi.fn() };
    window.listeners.get('close')!(finalClose);
    expect(finalClose.preventDefault).not.toHaveBeenCalled();
  });
});

describe('revealWindow', () => {
  it('restores, shows and focuses', () => {
    const window = { isMinimized: () => true, restore: vi.fn(), show: vi.fn(), focus: vi.fn() };
    revealWindow(window);
    expect(window.restore).toHaveBeenCalled();
    expect(window.show).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
    expect(() => revealWindow(null)).not.toThrow();
  });
});
