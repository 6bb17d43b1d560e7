// The status window: created when asked for, destroyed when closed (the tray stays), so an idle tray holds no
// renderer process. Sandboxed, context-isolated, no Node in the page; the preload exposes window.cordon only.
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow } from 'electron';
import { IPC } from '../ui-shared/cordon-bridge.ts';
import { STATUS_PAGE_URL } from './app-protocol.ts';
import { devToolsAllowed } from './devtools-policy.ts';
import { hardenWebContents } from './window-security.ts';

const PRELOAD = fileURLToPath(new URL('../renderer/preload.cjs', import.meta.url));

let window: BrowserWindow | undefined;

export function statusWindow(): BrowserWindow | undefined {
  return window;
}

/** Shows the window (creating it if needed); with an event id, the page scrolls to that event. */
export function showStatusWindow(title: string, eventId?: string): BrowserWindow {
  if (window && !window.isDestroyed()) {
    if (eventId) window.webContents.send(IPC.showEvent, eventId);
    window.show();
    window.focus();
    return window;
  }
  const w = new BrowserWindow({
    width: 560,
    height: 720,
    minWidth: 420,
    minHeight: 480,
    show: false,
    title,
    autoHideMenuBar: true,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: devToolsAllowed(app.isPackaged),
    },
  });
  hardenWebContents(w.webContents, STATUS_PAGE_URL, devToolsAllowed(app.isPackaged));
  w.once('ready-to-show', () => w.show());
  if (eventId) w.webContents.once('did-finish-load', () => w.webContents.send(IPC.showEvent, eventId));
  w.on('closed', () => {
    if (window === w) window = undefined;
  });
  void w.loadURL(STATUS_PAGE_URL);
  window = w;
  return w;
}
