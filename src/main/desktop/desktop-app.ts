/**
 * Composition root of the desktop app: engine + LAN server (host/host.ts, as headless runs
 * them), the IPC adapter for the window, tray, notifications, secure window defaults, single
 * instance, quit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, dialog, ipcMain, Notification, session, shell, type BrowserWindow } from 'electron';
import { LOCAL_CALLER } from '../api/caller';
import { createDispatcher, type Dispatcher } from '../api/dispatcher';
import { createTrustedSenderCheck, forwardServerEvents, isAppUrl, registerIpcHandlers } from '../api/ipc-adapter';
import type { Job } from '../../shared/job';
import { startHost } from '../host/host';
import { createHostLogger } from '../host/host-logger';
import { desktopSettings } from './desktop-settings';
import { createFinishNotifier } from './job-notifications';
import { createMainWindow, revealWindow, type RendererSource } from './main-window';
import { chooseSqliteBinding } from './native-sqlite';
import { claimSingleInstance } from './single-instance';
import { createAppTray, statusFrom } from './tray';
import { contentSecurityPolicy } from '../../shared/content-security-policy';
import { hardenWebContents, installSessionPolicies } from './window-security';

const here = path.dirname(fileURLToPath(import.meta.url));
/** electron-vite lays out out/main, out/preload, out/renderer side by side. */
const PRELOAD_PATH = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
const QUIT_GRACE_MS = 10_000;

/** The dev server's URL under `electron-vite dev`; the built files otherwise. */
function rendererSource(): RendererSource {
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  return !app.isPackaged && devUrl ? { kind: 'url', url: devUrl } : { kind: 'file', path: path.join(RENDERER_DIR, 'index.html') };
}

function appUrlPrefixes(source: RendererSource): string[] {
  return source.kind === 'url' ? [new URL(source.url).origin] : [pathToFileURL(RENDERER_DIR).toString() + '/'];
}

function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && typeof (value as Job).id === 'string' && 'state' in value;
}

export async function runDesktopApp(): Promise<void> {
  let window: BrowserWindow | null = null;
  if (!claimSingleInstance(app, () => revealWindow(window))) return;
  await app.whenReady();

  const settings = desktopSettings(process.env, { userData: app.getPath('userData'), rendererDir: RENDERER_DIR, cwd: process.cwd() });
  const logger = createHostLogger({ format: settings.logFormat, level: process.env.LMQ_LOG_LEVEL });
  const source = rendererSource();
  const prefixes = appUrlPrefixes(source);
  installSessionPolicies(session.defaultSession, contentSecurityPolicy(source.kind === 'url' ? new URL(source.url).origin : null));
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, { isAppUrl: (url) => isAppUrl(url, prefixes), openExternal: (url) => void shell.openExternal(url) }),
  );

  const sqlite = chooseSqliteBinding(app.getAppPath(), process.versions.electron ?? 'unknown', existsSync);
  if (sqlite.warning) logger.warn(sqlite.warning);
  const host = await startHost(settings, {
    logger,
    sqliteNativeBinding: sqlite.nativeBinding,
    // The window still works over IPC; teammates cannot connect until the port is free.
    onServerError: (error) =>
      dialog.showErrorBox('LM Queue could not open its LAN server', `${(error as Error).message}\n\nThe app works on this machine; teammates cannot connect until this is fixed (LMQ_PORT / LMQ_HOST).`),
  });
  const { engine, server } = host;
  if (server) logger.info({ url: server.url, lanUrls: server.lanUrls }, 'LAN server started');
  const dispatcher: Dispatcher = server?.dispatcher ?? createDispatcher(engine);

  const notifier = createFinishNotifier(({ title, body }) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  });
  const isTrustedSender = createTrustedSenderCheck({ webContentsId: () => window?.webContents.id ?? null, appUrlPrefixes: prefixes });
  registerIpcHandlers({
    ipcMain,
    dispatcher,
    caller: LOCAL_CALLER,
    isTrustedSender,
    onResult: (name, result) => {
      if ((name === 'jobs.submit' || name === 'jobs.retry') && isJob(result)) notifier.track(result.id);
    },
    onInternalError: (name, error) => logger.error({ err: error, handler: name }, 'IPC handler failed'),
  });
  forwardServerEvents(engine.on.bind(engine), () => window?.webContents ?? null);
  engine.on('job.updated', (job) => notifier.onJobUpdated(job));

  let quitting = false;
  const tray = createAppTray(statusFrom(engine.counts(), engine.paused()), {
    show: () => revealWindow(window),
    setPaused: (paused) => engine.setPaused(paused),
    quit: () => app.quit(),
  });
  engine.on('queue.changed', (change) => tray.update(statusFrom(change.counts, change.paused)));

  window = createMainWindow({ preloadPath: PRELOAD_PATH, source, shareUrls: server ? [...server.lanUrls, server.url] : [], isQuitting: () => quitting });
  app.on('activate', () => revealWindow(window));
  // Closing the window hides it; the queue keeps serving the team from the tray.
  app.on('window-all-closed', () => {});

  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    void (async () => {
      await host.stop(QUIT_GRACE_MS);
      tray.destroy();
      app.exit(0);
    })();
  });
}
