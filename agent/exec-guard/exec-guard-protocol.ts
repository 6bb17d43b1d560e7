// The line protocol between the agent and its exec guard helper (described at the top of
// native/cordon-exec-guard.c): parsing what the helper says, formatting what the agent answers.

/** The helper asks: may this process exec this file? */
export interface ExecQuestion {
  id: string;
  pid: number;
  uid: number;
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  /** The helper's fd for the file, readable by root as /proc/<helper>/fd/<fd> while the question is open. */
  fd: number;
  /** The file's path in the agent's (and helper's) mount namespace; '' when unknown. */
  path: string;
}

export type HelperMessage =
  | { kind: 'ready'; marks: number; deadlineMs: number }
  | { kind: 'mark'; ok: boolean; fsType: string; where: string; error?: string }
  | ({ kind: 'question' } & ExecQuestion)
  | { kind: 'cached'; pid: number; verdict: 'allow' | 'deny'; dev: string; ino: string }
  | { kind: 'fallback'; id: string; pid: number; verdict: 'allow' | 'deny'; why: string; path: string }
  | { kind: 'stats'; events: number; asked: number; cached: number; fallbacks: number; denied: number; pending: number };

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
    case 'Q': {
      if (f.length !== 11) return null;
      const q = { kind: 'question' as const, id: digits(f[1]), pid: int(f[2]), uid: int(f[3]), dev: digits(f[4]), ino: digits(f[5]), size: int(f[6]), mtimeNs: digits(f[7]), ctimeNs: digits(f[8]), fd: int(f[9]), path: unescapePath(f[10]!) };
      return q.id && Number.isInteger(q.pid) && Number.isInteger(q.fd) ? q : null;
    }
    case 'X':
      return { kind: 'cached', pid: int(f[1]), verdict: f[2] === 'deny' ? 'deny' : 'allow', dev: digits(f[3]), ino: digits(f[4]) };
    case 'T':
      return { kind: 'fallback', id: digits(f[1]), pid: int(f[2]), verdict: f[3] === 'deny' ? 'deny' : 'allow', why: f[4] ?? '', path: unescapePath(f[5] ?? '') };
    case 'S':
      return { kind: 'stats', events: int(f[1]), asked: int(f[2]), cached: int(f[3]), fallbacks: int(f[4]), denied: int(f[5]), pending: int(f[6]) };
    default:
      return null;
  }
}

export function answerLine(id: string, deny: boolean, cacheable: boolean, report: boolean): string {
  return `A\t${id}\t${deny ? 'deny' : 'allow'}\t${cacheable ? 'cache' : 'once'}\t${report ? 'report' : 'quiet'}\n`;
}
