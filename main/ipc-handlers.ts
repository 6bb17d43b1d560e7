// The only things the status window can ask of the main process, each validated here: the renderer is treated
// as untrusted (it shows text that came from a policy and from process command lines).
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { exceptionInputProblems } from '../agent/status-server.ts';
import type { AgentStatus, ExceptionRequestInput } from '../agent/status-types.ts';
import { IPC, type ExceptionResult, type StatusSnapshot, type SyncResult } from '../ui-shared/cordon-bridge.ts';
import { diagnosticsText } from './diagnostics-text.ts';

export interface IpcDeps {
  snapshot(): StatusSnapshot;
  refresh(): Promise<StatusSnapshot>;
  requestException(input: ExceptionRequestInput): Promise<ExceptionResult>;
  syncNow(): Promise<SyncResult>;
  writeClipboard(text: string): Promise<void>;
  openInBrowser(url: string): Promise<void>;
  trayVersion: string;
}

/** The links a policy offers (learn more, exception page, alternatives): the only ones the window may open. */
export function policyUrls(status: AgentStatus | undefined): Set<string> {
  const urls = new Set<string>();
  for (const t of status?.restrictedTools ?? []) {
    for (const u of [t.moreInfoUrl, t.exceptionUrl, ...t.alternatives.map((a) => a.url)]) if (u) urls.add(u);
  }
  return urls;
}

/** Why a URL may not be opened, or undefined when it may: http(s) only, and only one the policy names. */
export function externalUrlProblem(url: unknown, status: AgentStatus | undefined): string | undefined {
  if (typeof url !== 'string' || url.length > 2048) return 'url: must be a string of at most 2048 characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `url: "${url}" is not a URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `url: only http and https links open, not ${parsed.protocol}`;
  if (!policyUrls(status).has(url)) return 'url: not a link from the policy in force';
  return undefined;
}

export function createIpcHandlers(deps: IpcDeps) {
  return {
    [IPC.getStatus]: () => deps.refresh(),
    [IPC.requestException]: async (input: unknown): Promise<ExceptionResult> => {
      const problems = exceptionInputProblems(input);
      if (problems.length) return { ok: false, message: problems.join('; ') };
      const { toolId, reason, days } = input as ExceptionRequestInput;
      return deps.requestException({ toolId, reason: reason.trim(), days });
    },
    [IPC.syncNow]: () => deps.syncNow(),
    [IPC.copyDiagnostics]: async () => {
      const text = diagnosticsText(deps.snapshot(), deps.trayVersion);
      await deps.writeClipboard(text);
      return text;
    },
    [IPC.openExternal]: async (url: unknown): Promise<boolean> => {
      if (externalUrlProblem(url, deps.snapshot().status)) return false;
      await deps.openInBrowser(url as string);
      return true;
    },
  };
}

/** Registers the handlers; calls from any frame other than the status page itself are refused. */
export function registerIpcHandlers(ipcMain: IpcMain, deps: IpcDeps, isTrustedSender: (frameUrl: string) => boolean): () => void {
  const handlers = createIpcHandlers(deps);
  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, arg: unknown) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) throw new Error(`refused ${channel} from ${url || 'an unknown frame'}`);
      return (handler as (a: unknown) => Promise<unknown>)(arg);
    });
  }
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}
