// The terminal a tool was started from, for the explanation of a stop. Usually the tool's own controlling
// terminal. Some launchers detach their command from it (`su -c` calls setsid, so the command cannot push
// keystrokes into the caller's terminal); the nearest ancestor that still has one is then where the person who
// started the tool is looking.
import { readProcStat } from './proc-fs.ts';
import { ttyPathFromNr } from './tty-device.ts';

/** Launchers between a tool and the terminal rarely nest deeper than this. */
const HOPS = 8;

export interface Terminal {
  path: string;
  /** The device number the kernel reports, checked against the path before writing. */
  ttyNr?: number;
}

export function launchingTerminal(p: { tty?: string; ttyNr?: number; ppid: number }, procRoot = '/proc'): Terminal | undefined {
  if (p.tty) return { path: p.tty, ...(p.ttyNr ? { ttyNr: p.ttyNr } : {}) };
  if (process.platform !== 'linux') return undefined;
  let pid = p.ppid;
  for (let hop = 0; hop < HOPS && pid > 1; hop++) {
    const stat = readProcStat(pid, procRoot);
    if (!stat) return undefined;
    const path = ttyPathFromNr(stat.ttyNr);
    if (path) return { path, ttyNr: stat.ttyNr };
    pid = stat.ppid;
  }
  return undefined;
}
