import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';

const trays: FakeTray[] = [];

class FakeTray {
  tooltip = '';
  title = '';
  menu: MenuItemConstructorOptions[] = [];
  readonly listeners = new Map<string, () => void>();
  constructor(readonly icon: unknown) {
    trays.push(this);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setTitle(text: string) {
    this.title = text;
  }
  setContextMenu(menu: { template: MenuItemConstructorOptions[] }) {
    this.menu = menu.template;
  }
  on(name: string, listener: () => void) {
    this.listeners.set(name, listener);
  }
  destroy = vi.fn();
}

vi.mock('electron', () => ({
  Tray: FakeTray,
  Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) },
  nativeImage: { createFromBitmap: (buffer: Buffer, size: object) => ({ buffer, size }) },
}));

const { createAppTray, trayMenuTemplate, trayTooltip } = await import('./tray');
const { trayIconBitmap } = await import('./tray-icon');

const actions = () => ({ show: vi.fn(), setPaused: vi.fn(), quit: vi.fn() });
const labels = (items: MenuItemConstructorOptions[]) => items.filter((i) => i.type !== 'separator').map((i) => i.label);
const click = (items: MenuItemConstructorOptions[], label: string) =>
  (items.find((i) => i.label === label)!.click as () => void)();

describe('tray', () => {
  it('shows running and queued counts in the tooltip', () => {
    expect(trayTooltip({ running: 2, queued: 15, paused: false })).toBe('LM Queue — 2 running, 15 queued');
    expect(trayTooltip({ running: 0, queued: 3, paused: true })).toBe('LM Queue — 0 running, 3 queued (dispatch paused)');
  });

  it('offers show, pause or resume, and quit', () => {
    const act = actions();
    const running = trayMenuTemplate({ running: 1, queued: 4, paused: false }, act);
    expect(labels(running)).toEqual(['LM Queue — 1 running, 4 queued', 'Show LM Queue', 'Pause dispatch', 'Quit LM Queue']);
    click(running, 'Pause dispatch');
    expect(act.setPaused).toHaveBeenCalledWith(true);
    const paused = trayMenuTemplate({ running: 0, queued: 4, paused: true }, act);
    expect(labels(paused)).toContain('Resume dispatch');
    click(paused, 'Resume dispatch');
    expect(act.setPaused).toHaveBeenLastCalledWith(false);
    click(paused, 'Show LM Queue');
    click(paused, 'Quit LM Queue');
    expect(act.show).toHaveBeenCalled();
    expect(act.quit).toHaveBeenCalled();
  });

  it('keeps the tray icon, tooltip and menu in step with the queue, at most once a second', () => {
    vi.useFakeTimers();
    const act = actions();
    const tray = createAppTray({ running: 0, queued: 0, paused: false }, act);
    const fake = trays.at(-1)!;
    expect(fake.tooltip).toBe('LM Queue — 0 running, 0 queued');
    tray.update({ running: 3, queued: 119, paused: false });
    tray.update({ running: 3, queued: 120, paused: false });
    expect(fake.tooltip).toBe('LM Queue — 0 running, 0 queued');
    vi.advanceTimersByTime(1_000);
    vi.useRealTimers();
    expect(fake.tooltip).toBe('LM Queue — 3 running, 120 queued');
    expect(fake.title).toContain('120');
    expect(fake.menu[0]!.label).toBe('LM Queue — 3 running, 120 queued');
    fake.listeners.get('click')!();
    expect(act.show).toHaveBeenCalled();
    tray.destroy();
    expect(fake.destroy).toHaveBeenCalled();
  });

  it('draws an opaque icon with transparent corners', () => {
    const size = 32;
    const pixels = trayIconBitmap(size);
    expect(pixels.length).toBe(size * size * 4);
    const alpha = (x: number, y: number) => pixels[(y * size + x) * 4 + 3];
    expect(alpha(0, 0)).toBe(0);
    expect(alpha(16, 16)).toBe(255);
  });
});
