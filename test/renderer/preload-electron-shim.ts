// The `electron` module as the real preload (renderer/preload.ts) sees it in the test browser, bundled in its
// place: ipcRenderer.invoke goes to the loopback relay (which answers through main/ipc-handlers.ts, the app's
// own handlers), and what the main process sends the window (status pushes, a clicked notification's event id)
// arrives on the channels the preload listens on, via window.__cordonMainSend.
type Listener = (event: unknown, value: unknown) => void;
interface TestWindow {
  __cordonRelay(channel: string, arg: unknown): Promise<unknown>;
  __cordonMainSend(channel: string, value: unknown): void;
  __cordonStatusPushes?: number;
}
const w = window as unknown as TestWindow;
const listeners = new Map<string, Set<Listener>>();

export const ipcRenderer = {
  invoke: (channel: string, arg?: unknown) => w.__cordonRelay(channel, arg === undefined ? null : arg),
  on: (channel: string, fn: Listener) => void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(fn),
  removeListener: (channel: string, fn: Listener) => void listeners.get(channel)?.delete(fn),
};

export const contextBridge = {
  exposeInMainWorld: (key: string, api: object) => Object.defineProperty(window, key, { value: Object.freeze(api) }),
};

w.__cordonMainSend = (channel, value) => listeners.get(channel)?.forEach((fn) => fn({}, value));

// The main process pushes each new snapshot to the window (main.ts: connection.on('snapshot')); here a fresh one
// every 500 ms while the page listens.
setInterval(() => {
  const status = listeners.get('cordon:status');
  if (!status?.size) return;
  void ipcRenderer.invoke('cordon:get-status').then((snap) => {
    w.__cordonMainSend('cordon:status', snap);
    w.__cordonStatusPushes = (w.__cordonStatusPushes ?? 0) + 1;
  });
}, 500);
