// Linux /proc readers: the few files the fast path needs, read synchronously (they are in-memory files; a
// sync read is cheaper than the promise machinery around an async one) and parsed without regexes.
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Process group: what job control (and sudo, relaying a stop) signals as a whole. */
  pgrp: number;
  /** Controlling terminal as a device number (0: none). */
  ttyNr: number;
  flags: number;
  /** Clock ticks after boot: with pid, the identity of the process (pid reuse changes it). */
  startTime: number;
}

/** PF_KTHREAD: kernel threads have no user-space image and are never ours to signal. */
const PF_KTHREAD = 0x00200000;

export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0 || stat.pid === 2 || stat.ppid === 2;
}

/** Parses /proc/PID/stat. The comm field may hold spaces and parentheses, so fields are counted from the last ')'. */
export function parseProcStat(pid: number, text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    ttyNr: Number(rest[4]),
    flags: Number(rest[6]),
    startTime: Number(rest[19]),
  };
}

export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | null {
  try {
    return parseProcStat(pid, readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return null; // gone, or not ours to read
  }
}

/** The executable the kernel ran; null for kernel threads, zombies and (as a normal user) other users' processes. */
export function readExe(pid: number, procRoot = '/proc'): string | null {
  try {
    const link = readlinkSync(`${procRoot}/${pid}/exe`);
    // A replaced or deleted binary reads as "PATH (deleted)"; the path is still the evidence we have.
    return link.endsWith(' (deleted)') ? link.slice(0, -10) : link;
  } catch {
    return null;
  }
}

/** Device and inode of the running executable ("dev:ino"); null when it cannot be read. */
export function readExeId(pid: number, procRoot = '/proc'): string | null {
  try {
    const st = statSync(`${procRoot}/${pid}/exe`, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * The pids of a process's children, from /proc/PID/task/TID/children (exact for a stopped process; each thread
 * lists the children it forked). Null when the kernel does not offer the file (CONFIG_PROC_CHILDREN off).
 */
export function readChildren(pid: number, procRoot = '/proc'): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(`${procRoot}/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${pid}/task/${tid}/children`, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid) && existsSync(`${procRoot}/${pid}/task/${tid}`)) return null;
      continue; // the thread ended
    }
    for (const c of text.split(' ')) if (c) out.push(Number(c));
  }
  return out;
}

export function readCmdline(pid: number, procRoot = '/proc'): string[] {
  try {
    const raw = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
    if (!raw) return [];
    const parts = raw.split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  } catch {
    return [];
  }
}

export function readCwd(pid: number, procRoot = '/proc'): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The effective uid, from the owner of /proc/PID (cheaper than parsing /proc/PID/status). */
export function readUid(pid: number, procRoot = '/proc'): number | null {
  try {
    return statSync(`${procRoot}/${pid}`).uid;
  } catch {
    return null;
  }
}

/** Selected variables of the process's environment (readable by root or the same user only). */
export function readEnviron(pid: number, names: readonly string[], procRoot = '/proc'): Record<string, string> {
  const out: Record<string, string> = {};
  let raw: string;
  try {
    raw = readFileSync(`${procRoot}/${pid}/environ`, 'utf8');
  } catch {
    return out;
  }
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (names.includes(name)) out[name] = entry.slice(eq + 1);
  }
  return out;
}

/** Numeric entries of /proc: the pids of every process (threads are not listed at the top level). */
export function listPids(procRoot = '/proc'): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

/** The thread-group id of a task: equal to its pid for a process, different for one of its threads. */
export function readTgid(pid: number, procRoot = '/proc'): number | null {
  // Most pids probed on a busy machine belong to threads that have already ended: a failed read throws, and an
  // exception per pid costs more than asking first whether the task is there.
  if (!existsSync(`${procRoot}/${pid}`)) return null;
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = /^Tgid:\s+(\d+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** The largest pid the kernel hands out; pids wrap around to low numbers after it. */
export function readPidMax(procRoot = '/proc'): number {
  try {
    return Number(readFileSync(`${procRoot}/sys/kernel/pid_max`, 'utf8').trim()) || 32768;
  } catch {
    return 4194304;
  }
}
