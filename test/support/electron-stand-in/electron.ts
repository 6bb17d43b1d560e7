// A recording stand-in for the `electron` module, for the test that runs the compiled main process where the
// Electron binary is absent (test/tray/build-output.test.ts). It records what main.ts asks of Electron and lets
// the test play the user and the OS over stdin/stdout as JSON lines: click a tray menu item by its label (the
// click handler main.ts gave the Menu), click a notification, send IPC, navigate and redirect the window, start
// a second instance, quit. STAND_IN_SINGLE_INSTANCE_LOCK=held makes the lock already taken (another tray runs).
// It proves the wiring, not Electron: test/tray/electron-e2e.test.ts drives the real binary where it exists.
import { createInterface } from 'node:readline';

type Fn = (...args: never[]) => unknown;
const calls: [string, unknown][] = [];
const record = (what: string, detail?: unknown) => calls.push([what, detail]);
const listeners = new Map<string, Fn[]>();
const on = (key: string, fn: Fn) => listeners.set(key, [...(listeners.get(key) ?? []), fn]);
const emit = (key: string, ...args: unknown[]) => (listeners.get(key) ?? []).map((fn) => (fn as (...a: unknown[]) => unknown)(...args));

let quitting = false;
export const app = {
  requestSingleInstanceLock: () => {
    const granted = process.env.STAND_IN_SINGLE_INSTANCE_LOCK !== 'held';
    record('app.requestSingleInstanceLock', granted);
    return granted;
  },
  on: (event: string, fn: Fn) => on(`app:${event}`, fn),
  whenReady: () => Promise.resolve(),
  dock: undefined,
  setAppUserModelId: (id: string) => record('app.setAppUserModelId', id),
  getPreferredSystemLanguages: () => (process.env.STAND_IN_LANGUAGES ?? 'en-US').split(','),
  getVersion: () => '0.1.0',
  getLoginItemSettings: () => ({ openAtLogin: false }),
  setLoginItemSettings: (s: unknown) => record('app.setLoginItemSettings', s),
  getPath: () => process.execPath,
  getAppPath: () => process.cwd(),
  quit: () => {
    if (quitting) return;
    let prevented = false;
    emit('app:before-quit', { preventDefault: () => (prevented = true) });
    record('app.quit', { prevented });
    if (!prevented) {
      quitting = true;
      process.stdout.write(`${JSON.stringify({ quit: true, calls: calls.splice(0) })}\n`);
      setImmediate(() => process.exit(0));
    }
  },
};

const schemeHandlers = new Map<string, (req: Request) => Promise<Response>>();
export const protocol = {
  registerSchemesAsPrivileged: (s: unknown) => record('protocol.registerSchemesAsPrivileged', s),
  handle: (scheme: string, fn: (req: Request) => Promise<Response>) => schemeHandlers.set(scheme, fn),
};

let onHeaders: Fn | undefined;
let onBefore: Fn | undefined;
export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: (fn: Fn) => (onHeaders = fn), onBeforeRequest: (fn: Fn) => (onBefore = fn) },
    setPermissionRequestHandler: (fn: Fn) => on('permission', fn),
    setPermissionCheckHandler: (fn: Fn) => on('permission-check', fn),
  },
};

export class Tray {
  constructor(image: unknown) {
    record('tray.new', image);
  }
  on(event: string, fn: Fn) {
    on(`tray:${event}`, fn);
  }
  setImage(image: unknown) {
    record('tray.setImage', image);
  }
  setToolTip(text: string) {
    record('tray.setToolTip', text);
  }
  setContextMenu(menu: MenuItemTemplate[]) {
    trayMenu = menu;
    record('tray.setContextMenu', menu.map((i) => (i.type === 'separator' ? '—' : `${i.label}${i.enabled === false ? ' (disabled)' : ''}${i.type === 'checkbox' ? ` [${i.checked ? 'x' : ' '}]` : ''}`)));
  }
}

interface MenuItemTemplate {
  label?: string;
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}
/** The menu the tray shows now: what a user's click reaches. */
let trayMenu: MenuItemTemplate[] = [];
export const Menu = { buildFromTemplate: (template: MenuItemTemplate[]) => template };
export const nativeImage = { createFromPath: (path: string) => ({ path, setTemplateImage: () => undefined }) };

export class Notification {
  static isSupported = () => true;
  constructor(private readonly o: { title: string; body: string }) {}
  on(event: string, fn: Fn) {
    on(`notification:${event}`, fn);
  }
  show() {
    record('notification.show', this.o);
  }
}

export const clipboard = { writeText: (text: string) => Promise.resolve(record('clipboard.writeText', text)) };
export const shell = { openExternal: (url: string) => Promise.resolve(record('shell.openExternal', url)) };

const ipcHandlers = new Map<string, Fn>();
export const ipcMain = {
  handle: (channel: string, fn: Fn) => ipcHandlers.set(channel, fn),
  removeHandler: (channel: string) => ipcHandlers.delete(channel),
};

const windows: BrowserWindow[] = [];
export class BrowserWindow {
  private readonly id = windows.length + 1;
  private openHandler: Fn | undefined;
  webContents = {
    on: (event: string, fn: Fn) => on(`wc${this.id}:${event}`, fn),
    once: (event: string, fn: Fn) => on(`wc${this.id}:${event}`, fn),
    setWindowOpenHandler: (fn: Fn) => (this.openHandler = fn),
    send: (channel: string, arg: unknown) => record('webContents.send', { channel, arg: typeof arg === 'string' ? arg : '(snapshot)' }),
  };
  constructor(options: unknown) {
    record('BrowserWindow.new', options);
    windows.push(this);
  }
  once(event: string, fn: Fn) {
    on(`win${this.id}:${event}`, fn);
  }
  on(event: string, fn: Fn) {
    on(`win${this.id}:${event}`, fn);
  }
  loadURL(url: string) {
    record('BrowserWindow.loadURL', url);
    emit(`win${this.id}:ready-to-show`);
    emit(`wc${this.id}:did-finish-load`);
    return Promise.resolve();
  }
  show() {
    record('BrowserWindow.show');
  }
  focus() {
    record('BrowserWindow.focus');
  }
  isDestroyed() {
    return false;
  }
  close() {
    windows.splice(windows.indexOf(this), 1);
    emit(`win${this.id}:closed`);
  }
  static getAllWindows() {
    return [...windows];
  }
  /** What the window's hardening does with a navigation, a server redirect, a window.open and a webview. */
  probe(url: string) {
    let navigationPrevented = false;
    emit(`wc${this.id}:will-navigate`, { preventDefault: () => (navigationPrevented = true) }, url);
    let redirectPrevented = false;
    emit(`wc${this.id}:will-redirect`, { preventDefault: () => (redirectPrevented = true) }, url);
    let webviewPrevented = false;
    emit(`wc${this.id}:will-attach-webview`, { preventDefault: () => (webviewPrevented = true) });
    return { navigationPrevented, redirectPrevented, webviewPrevented, windowOpen: (this.openHandler as ((d: { url: string }) => unknown) | undefined)?.({ url }) };
  }
}

// The test's side: one JSON command per line on stdin, one JSON answer per line on stdout.
interface Args {
  channel: string;
  arg?: string;
  frameUrl: string;
  /** A tray menu item's label, as the user reads it. */
  label: string;
  url: string;
}

const commands: Record<string, (arg: Args) => Promise<unknown> | unknown> = {
  calls: () => calls.splice(0),
  ipc: async ({ channel, arg, frameUrl }) => {
    try {
      return { value: await (ipcHandlers.get(channel) as (e: unknown, a: unknown) => Promise<unknown>)({ senderFrame: { url: frameUrl } }, arg === undefined ? undefined : JSON.parse(arg)) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  },
  channels: () => [...ipcHandlers.keys()].sort(),
  clickMenuItem: ({ label }) => {
    const item = trayMenu.find((i) => i.label === label);
    if (!item?.click || item.enabled === false) return { clicked: false };
    item.click();
    return { clicked: true };
  },
  secondInstance: () => emit('app:second-instance', {}, ['cordon-tray'], process.cwd()),
  trayClick: () => emit('tray:click'),
  clickNotification: () => emit('notification:click'),
  scheme: async ({ url }) => {
    const res = await schemeHandlers.get(new URL(url).protocol.slice(0, -1))!(new Request(url));
    return { status: res.status, csp: res.headers.get('content-security-policy'), type: res.headers.get('content-type'), length: (await res.arrayBuffer()).byteLength };
  },
  headers: () =>
    new Promise((resolve) => (onHeaders as (d: unknown, cb: (r: unknown) => void) => void)({ responseHeaders: { 'X-Test': ['1'] } }, resolve)),
  beforeRequest: ({ url }) => new Promise((resolve) => (onBefore as (d: unknown, cb: (r: unknown) => void) => void)({ url }, resolve)),
  permission: () => new Promise((resolve) => emit('permission', {}, 'camera', resolve)),
  probeWindow: ({ url }) => windows[0]?.probe(url),
  closeWindow: () => windows[0]?.close(),
  windows: () => windows.length,
  quit: () => app.quit(),
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, command, ...arg } = JSON.parse(line) as { id: number; command: string } & Args;
  void Promise.resolve(commands[command]!(arg)).then((value) => process.stdout.write(`${JSON.stringify({ id, value: value ?? null })}\n`));
});

export default { app, protocol, session, Tray, Menu, nativeImage, Notification, clipboard, shell, ipcMain, BrowserWindow };
