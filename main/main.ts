// Electron main process: one tray icon per user session, a status window on demand, native notifications for
// what the agent does. It reads the agent's status and relays requests; it never enforces anything itself.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, clipboard, ipcMain, Menu, nativeImage, Notification, protocol, session, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import { createAgentLog } from '../agent/agent-log.ts';
import { AGENT_VERSION } from '../cli/agent-version.ts';
import { AgentConnection } from './agent-connection.ts';
import { APP_SCHEME, handleAppScheme, registerAppScheme } from './app-protocol.ts';
import { registerIpcHandlers } from './ipc-handlers.ts';
import { openAtLogin, setOpenAtLogin } from './login-item.ts';
import { diagnosticsText } from './diagnostics-text.ts';
import { notificationText } from './notification-text.ts';
import { showStatusWindow, statusWindow } from './status-window.ts';
import { trayMenu, type MenuAction, type MenuItemModel } from './tray-menu.ts';
import { trayIconName, trayState, trayTooltip } from '../ui-shared/tray-state.ts';
import { uiLocale } from '../ui-shared/ui-locale.ts';
import { hardenSession } from './window-security.ts';
import { IPC } from '../ui-shared/cordon-bridge.ts';

const RENDERER = fileURLToPath(new URL('../renderer/', import.meta.url));

registerAppScheme(protocol);

if (!app.requestSingleInstanceLock()) {
  // Another tray already runs in this session: it opens its window (second-instance) and this one leaves.
  app.quit();
} else {
  void run();
}

async function run(): Promise<void> {
  const log = createAgentLog();
  // Closing the last window must not quit: the app lives in the tray.
  app.on('window-all-closed', () => {});
  await app.whenReady();
  app.dock?.hide();
  if (process.platform === 'win32') app.setAppUserModelId('com.cordon.tray');
  hardenSession(session.defaultSession);
  handleAppScheme(protocol, RENDERER);

  const locale = uiLocale(app.getPreferredSystemLanguages());
  const connection = await AgentConnection.open({ startInProcess: true, agentVersion: AGENT_VERSION, log });
  const title = locale === 'zh-CN' ? 'Cordon 状态' : 'Cordon status';
  const open = (eventId?: string) => showStatusWindow(title, eventId);

  const tray = new Tray(icon(trayIconName(trayState(connection.snapshot), process.platform)));
  tray.on('click', () => open());
  let last = '';
  const render = () => {
    const snap = connection.snapshot;
    const state = trayState(snap);
    const items = trayMenu({ snapshot: snap, locale, openAtLogin: openAtLogin(app), canSetOpenAtLogin: true });
    const key = JSON.stringify([state, items, trayTooltip(snap, locale)]);
    if (key === last) return;
    last = key;
    tray.setImage(icon(trayIconName(state, process.platform)));
    tray.setToolTip(trayTooltip(snap, locale));
    tray.setContextMenu(Menu.buildFromTemplate(items.map((i) => menuItem(i, act))));
  };
  const act = (action: MenuAction) => {
    switch (action) {
      case 'open-status':
        open();
        break;
      case 'sync-now':
        void connection.syncNow();
        break;
      case 'copy-diagnostics':
        void clipboard.writeText(diagnosticsText(connection.snapshot, app.getVersion()));
        break;
      case 'toggle-open-at-login':
        setOpenAtLogin(app, !openAtLogin(app));
        last = '';
        render();
        break;
      case 'quit':
        app.quit();
        break;
    }
  };

  connection.on('snapshot', (snap) => {
    render();
    statusWindow()?.webContents.send(IPC.status, snap);
  });
  connection.on('event', (event) => {
    const text = notificationText(event, locale, connection.snapshot.status?.restrictedTools);
    if (!text || !Notification.isSupported()) return;
    const n = new Notification({ title: text.title, body: text.body, silent: false });
    n.on('click', () => open(event.id));
    n.show();
  });
  registerIpcHandlers(
    ipcMain,
    {
      snapshot: () => connection.snapshot,
      refresh: () => connection.refresh(),
      requestException: (input) => connection.requestException(input),
      syncNow: () => connection.syncNow(),
      writeClipboard: (text) => clipboard.writeText(text),
      openInBrowser: (url) => shell.openExternal(url),
      trayVersion: app.getVersion(),
    },
    (frameUrl) => frameUrl.startsWith(`${APP_SCHEME}://status/`),
  );
  app.on('second-instance', () => open());
  let closing = false;
  app.on('before-quit', (e) => {
    if (closing) return;
    closing = true;
    e.preventDefault();
    void connection.close().finally(() => app.quit());
  });
  render();
  connection.startPolling();
  // Started at login with --hidden: tray only. Started by hand: show the window too.
  if (!process.argv.includes('--hidden')) open();
}

function icon(name: string) {
  // Icons ship beside the app (electron-builder `files`), in app.asar when packaged.
  const image = nativeImage.createFromPath(`${join(app.getAppPath(), 'build', 'icons', name)}${process.platform === 'win32' ? '.ico' : '.png'}`);
  if (process.platform === 'darwin') image.setTemplateImage(true);
  return image;
}

function menuItem(item: MenuItemModel, act: (a: MenuAction) => void): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'separator':
      return { type: 'separator' };
    case 'label':
      return { label: item.label, enabled: false };
    case 'action':
      return { label: item.label, enabled: item.enabled, click: () => act(item.id) };
    case 'checkbox':
      return { label: item.label, type: 'checkbox', checked: item.checked, enabled: item.enabled, click: () => act(item.id) };
  }
}
