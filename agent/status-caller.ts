// Who called the status API, as the kernel says (peer-identity/), and what that caller may see: their own events,
// command lines, installs and exception requests; root (and the agent's own user) see everything; a caller the
// kernel could not identify sees nothing per-user.
import type { AgentEvent, AgentStatus, ExceptionRequestInfo, InstalledTool } from './status-types.ts';

export interface StatusCaller {
  uid: number;
  /** The account name for uid; undefined when the system does not know it. */
  name: string | undefined;
  pid: number;
  /** Root, or the user the agent runs as. */
  seesAll: boolean;
}

/** An exception request and who filed it, as the agent recorded it (the server's list does not say). */
export type OwnedExceptionRequest = ExceptionRequestInfo & { user?: string };

function owns(caller: StatusCaller | undefined, user: string | undefined): boolean {
  if (caller?.seesAll) return true;
  return user !== undefined && caller?.name !== undefined && user === caller.name;
}

/** Events without a user (agent start, policy applied) are everyone's; the rest only their user's. */
export function eventVisibleTo(caller: StatusCaller | undefined, e: AgentEvent): boolean {
  return e.user === undefined || owns(caller, e.user);
}

export function installVisibleTo(caller: StatusCaller | undefined, t: InstalledTool): boolean {
  return t.user === undefined || owns(caller, t.user);
}

export function requestVisibleTo(caller: StatusCaller | undefined, r: OwnedExceptionRequest): boolean {
  return owns(caller, r.user);
}

/** The status as this caller may see it. */
export function statusFor(caller: StatusCaller | undefined, status: AgentStatus): AgentStatus {
  return {
    ...status,
    recentEvents: status.recentEvents.filter((e) => eventVisibleTo(caller, e)),
    installed: status.installed.filter((t) => installVisibleTo(caller, t)),
    exceptionRequests: (status.exceptionRequests as OwnedExceptionRequest[]).filter((r) => requestVisibleTo(caller, r)).map(({ user: _user, ...r }) => r),
  };
}
