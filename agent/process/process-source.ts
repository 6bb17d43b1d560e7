// Where the agent learns about processes. The Linux fast path polls /proc incrementally; macOS and Windows use
// their cheapest reliable listing. An event-driven source (Linux proc connector / fanotify, macOS Endpoint
// Security, Windows ETW) fits the same interface: `poll` then just drains what the events delivered.
import type { ProcessObservation } from '../../policy/index.ts';

/** What makes a pid this process and not a later one reusing the number. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  exe: string | null;
  /** Device and inode of the running executable ("dev:ino"), where the platform shows them: a file replaced at
   * the same path is another program. */
  exeId?: string;
}

/** A fresh read of a live process: who it is and, as of that read, who its parent is. */
export interface ProcessLink extends ProcessIdentity {
  ppid: number;
}

export interface SeenProcess extends ProcessObservation {
  /** Short command name as the kernel reports it. */
  comm: string;
  /** Controlling terminal, as a device path (e.g. /dev/pts/3), when the process has one. */
  tty?: string;
  /** The terminal's device number as the kernel reports it, to check the device path before writing to it. */
  ttyNr?: number;
  /** True when this is a re-report: the pid was seen before and has since exec'd another program. */
  execed?: boolean;
}

export interface ProcessSource {
  readonly kind: string;
  /** Processes that appeared or exec'd since the previous call. The first call reports every process. */
  poll(): Promise<SeenProcess[]>;
  /** A fresh read of the pid's identity and parent, for verification right before a signal; null when it is gone. */
  identity(pid: number): Promise<ProcessLink | null>;
  /** Current descendants of a pid (children first-level first), each with its parent as read now, never as recorded. */
  descendants(pid: number): Promise<ProcessLink[]>;
  /** Every live process now, read afresh: what a re-judgement (policy change, expiry) looks at. */
  running(): Promise<SeenProcess[]>;
  /** An exec event for the pid (the exec guard): re-check it on the next polls as if it were new. */
  execHint?(pid: number): void;
  /** Parent pid as last known, for ancestry checks. */
  parentOf(pid: number): number | undefined;
  /** Number of processes currently known. */
  readonly size: number;
}

export function sameProcess<T extends ProcessIdentity>(a: ProcessIdentity, b: T | null): b is T {
  return (
    b !== null &&
    a.pid === b.pid &&
    a.startTime === b.startTime &&
    (a.exe === null || a.exe === b.exe) &&
    (a.exeId === undefined || b.exeId === undefined || a.exeId === b.exeId)
  );
}
