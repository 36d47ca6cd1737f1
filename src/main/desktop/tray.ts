/** The tray: running/queued counts at a glance, and show / pause-resume / quit. */
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { QueueCounts } from '../../shared/queue';
import { trayIconBitmap } from './tray-icon';

export interface TrayStatus {
  running: number;
  queued: number;
  paused: boolean;
}

export interface TrayActions {
  show(): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

export function trayTooltip(status: TrayStatus): string {
  const counts = `${status.running} running, ${status.queued} queued`;
  return `LM Queue — ${counts}${status.paused ? ' (dispatch paused)' : ''}`;
}

/** Shown next to the icon where the platform supports it (macOS menu bar). */
export function trayTitle(status: TrayStatus): string {
  return `${status.running}▶ ${status.queued}⧗`;
}

export function trayMenuTemplate(status: TrayStatus, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { label: trayTooltip(status), enabled: false },
    { type: 'separator' },
    { label: 'Show LM Queue', click: () => actions.show() },
    status.paused
      ? { label: 'Resume dispatch', click: () => actions.setPaused(false) }
      : { label: 'Pause dispatch', click: () => actions.setPaused(true) },
    { type: 'separator' },
    { label: 'Quit LM Queue', click: () => actions.quit() },
  ];
}

export function statusFrom(counts: Pick<QueueCounts, 'running' | 'queued'>, paused: boolean): TrayStatus {
  return { running: counts.running, queued: counts.queued, paused };
}

export interface AppTray {
  update(status: TrayStatus): void;
  destroy(): void;
}

const ICON_SIZE = 32;
/** A busy queue changes many times a second; the tray (and its menu) is rebuilt at most this often. */
const MIN_UPDATE_INTERVAL_MS = 1_000;

export function createAppTray(initial: TrayStatus, actions: TrayActions): AppTray {
  const icon = nativeImage.createFromBitmap(trayIconBitmap(ICON_SIZE), { width: ICON_SIZE, height: ICON_SIZE, scaleFactor: 2 });
  const tray = new Tray(icon);
  let shown = '';
  let shownAt = -Infinity;
  let pending: TrayStatus | null = null;
  let timer: NodeJS.Timeout | null = null;

  const apply = (status: TrayStatus): void => {
    const key = JSON.stringify(status);
    if (key === shown) return;
    shown = key;
    shownAt = Date.now();
    tray.setToolTip(trayTooltip(status));
    tray.setTitle(trayTitle(status));
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(status, actions)));
  };
  const flush = (): void => {
    timer = null;
    if (pending) apply(pending);
    pending = null;
  };
  const update = (status: TrayStatus): void => {
    pending = status;
    if (timer) return;
    const wait = shownAt + MIN_UPDATE_INTERVAL_MS - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };
  tray.on('click', () => actions.show());
  apply(initial);
  return {
    update,
    destroy: () => {
      if (timer) clearTimeout(timer);
      tray.destroy();
    },
  };
}
