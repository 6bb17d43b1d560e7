// The contract between the status window and whatever feeds it: the Electron preload (preload.ts) in the app,
// a test bridge in test/renderer. Plain data only, so it crosses contextBridge and IPC unchanged.
import type { AgentEvent, AgentStatus, ExceptionRequestInfo, ExceptionRequestInput } from '../agent/status-types.ts';

/** What the tray knows about the agent at one moment. */
export interface StatusSnapshot {
  /** An agent answered (a service, or the one this app started in-process). */
  reachable: boolean;
  /** No agent service answered, so this app runs the agent itself, as the current user. */
  inProcess: boolean;
  status?: AgentStatus;
  /** Why no agent answered, in English (for diagnostics). */
  problem?: string;
  checkedAt: string;
}

export type ExceptionResult = { ok: true; request: ExceptionRequestInfo } | { ok: false; message: string };

export type SyncResult = { ok: true; state: string; lastSuccessAt?: string } | { ok: false; message: string };

export interface CordonBridge {
  getStatus(): Promise<StatusSnapshot>;
  requestException(input: ExceptionRequestInput): Promise<ExceptionResult>;
  syncNow(): Promise<SyncResult>;
  /** Puts the help-desk facts on the clipboard and returns the text copied. */
  copyDiagnostics(): Promise<string>;
  /** Opens an http(s) link named by the policy in the default browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
  /** Called with each new snapshot the main process sees; returns an unsubscribe function. */
  onStatus(listener: (snapshot: StatusSnapshot) => void): () => void;
  /** Called when a notification for this event was clicked: the window scrolls to and highlights it. */
  onShowEvent(listener: (eventId: string) => void): () => void;
}

/** IPC channel names, shared by preload.ts and main/ipc-handlers.ts. */
export const IPC = {
  getStatus: 'cordon:get-status',
  requestException: 'cordon:request-exception',
  syncNow: 'cordon:sync-now',
  copyDiagnostics: 'cordon:copy-diagnostics',
  openExternal: 'cordon:open-external',
  status: 'cordon:status',
  showEvent: 'cordon:show-event',
} as const;

export type { AgentEvent, AgentStatus, ExceptionRequestInfo, ExceptionRequestInput };
