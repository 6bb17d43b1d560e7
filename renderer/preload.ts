// The preload: the only bridge between the sandboxed page and the main process. It exposes window.cordon with
// exactly the CordonBridge methods, each a single IPC call; no Electron or Node object reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, type CordonBridge, type StatusSnapshot } from '../ui-shared/cordon-bridge.ts';

function subscribe<T>(channel: string, listener: (value: T) => void): () => void {
  const wrapped = (_e: IpcRendererEvent, value: T) => listener(value);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const bridge: CordonBridge = {
  getStatus: () => ipcRenderer.invoke(IPC.getStatus),
  requestException: (input) => ipcRenderer.invoke(IPC.requestException, { toolId: input.toolId, reason: input.reason, days: input.days }),
  syncNow: () => ipcRenderer.invoke(IPC.syncNow),
  copyDiagnostics: () => ipcRenderer.invoke(IPC.copyDiagnostics),
  openExternal: (url) => ipcRenderer.invoke(IPC.openExternal, String(url)),
  onStatus: (listener) => subscribe<StatusSnapshot>(IPC.status, listener),
  onShowEvent: (listener) => subscribe<string>(IPC.showEvent, listener),
};

contextBridge.exposeInMainWorld('cordon', bridge);
