// The line protocol between the agent and its exec guard helper (described at the top of
// native/cordon-exec-guard.c): parsing what the helper says, formatting what the agent answers.

/** A process and the file the kernel named for it: who, and which file by identity (what the verdict cache keys on). */
interface ProcessFile {
  pid: number;
  uid: number;
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

/** The helper asks: may this process exec this file? */
export interface ExecQuestion extends ProcessFile {
  id: string;
  /** The helper's fd for the file, readable by root as /proc/<helper>/fd/<fd> while the question is open. */
  fd: number;
  /** The file's path in the agent's (and helper's) mount namespace; '' when unknown. */
  path: string;
  /** True for an interpreter opening a protected file (FAN_OPEN_PERM), false for an exec. */
  open: boolean;
}

/** An interpreter process opened a file the agent has not judged (FAN_OPEN): what is it running? */
export interface OpenedFile extends ProcessFile {
  /** The helper's fd for the file until the agent releases it (K), or -1 when the helper could not keep one. */
  fd: number;
  path: string;
}

export type HelperMessage =
  | { kind: 'ready'; marks: number; deadlineMs: number }
  | { kind: 'mark'; ok: boolean; fsType: string; where: string; error?: string }
  | ({ kind: 'question' } & ExecQuestion)
  | ({ kind: 'opened' } & OpenedFile)
  | { kind: 'cached'; pid: number; verdict: 'allow' | 'deny'; dev: string; ino: string }
  | { kind: 'fallback'; id: string; pid: number; verdict: 'allow' | 'deny'; why: string; path: string }
  | { kind: 'stats'; events: number; asked: number; cached: number; fallbacks: number; denied: number; pending: number; opens: number; reported: number };

/** %XX-decoding of the helper's paths (bytes < 0x21, '%' and DEL are escaped), as UTF-8. */
export function unescapePath(s: string): string {
  if (!s.includes('%')) return s;
  return Buffer.from(s.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

const int = (s: string | undefined): number => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);
const digits = (s: string | undefined): string => (s !== undefined && /^\d+$/.test(s) ? s : '');

/** One line from the helper; null for anything malformed (the helper is ours, but a bad line must not throw). */
export function parseHelperLine(line: string): HelperMessage | null {
  const f = line.split('\t');
  switch (f[0]) {
    case 'R':
      return { kind: 'ready', marks: int(f[1]), deadlineMs: int(f[2]) };
    case 'M':
      return { kind: 'mark', ok: f[1] === 'ok', fsType: f[2] ?? '', where: unescapePath(f[3] ?? ''), ...(f[4] ? { error: f[4] } : {}) };
    case 'Q':
    case 'P': {
      if (f.length !== 11) return null;
      const q = { kind: 'question' as const, id: digits(f[1]), pid: int(f[2]), uid: int(f[3]), dev: digits(f[4]), ino: digits(f[5]), size: int(f[6]), mtimeNs: digits(f[7]), ctimeNs: digits(f[8]), fd: int(f[9]), path: unescapePath(f[10]!), open: f[0] === 'P' };
      return q.id && Number.isInteger(q.pid) && Number.isInteger(q.fd) ? q : null;
    }
    case 'O': {
      if (f.length !== 10) return null;
      const fd = f[8] === '-1' ? -1 : int(f[8]);
      const o = { kind: 'opened' as const, pid: int(f[1]), uid: int(f[2]), dev: digits(f[3]), ino: digits(f[4]), size: int(f[5]), mtimeNs: digits(f[6]), ctimeNs: digits(f[7]), fd, path: unescapePath(f[9]!) };
      return Number.isInteger(o.pid) && Number.isInteger(o.uid) && Number.isInteger(o.fd) && o.dev && o.ino ? o : null;
    }
    case 'X':
      return { kind: 'cached', pid: int(f[1]), verdict: f[2] === 'deny' ? 'deny' : 'allow', dev: digits(f[3]), ino: digits(f[4]) };
    case 'T':
      return { kind: 'fallback', id: digits(f[1]), pid: int(f[2]), verdict: f[3] === 'deny' ? 'deny' : 'allow', why: f[4] ?? '', path: unescapePath(f[5] ?? '') };
    case 'S':
      return { kind: 'stats', events: int(f[1]), asked: int(f[2]), cached: int(f[3]), fallbacks: int(f[4]), denied: int(f[5]), pending: int(f[6]), opens: int(f[7]), reported: int(f[8]) };
    default:
      return null;
  }
}

export function answerLine(id: string, deny: boolean, cacheable: boolean, report: boolean, interpreter = false, anyUser = false): string {
  return `A\t${id}\t${deny ? 'deny' : 'allow'}\t${cacheable ? 'cache' : 'once'}\t${report ? 'report' : 'quiet'}${interpreter ? '\tinterp' : ''}${anyUser ? '\tanyuser' : ''}\n`;
}

/** Paths go to the helper one per line: a path holding a newline (or a tab) cannot be sent, and is refused. */
export function protectLine(path: string): string | null {
  return /[\n\t\0]/.test(path) || !path.startsWith('/') ? null : `G\t${path}\n`;
}

/** Done with an opened file: the helper closes its fd; `seen` also tells it the file is no tool (V). */
export function openedLines(o: OpenedFile, noTool: boolean): string {
  return `${o.fd >= 0 ? `K\t${o.fd}\n` : ''}${noTool ? `V\t${o.dev}\t${o.ino}\t${o.size}\t${o.mtimeNs}\t${o.ctimeNs}\n` : ''}`;
}
