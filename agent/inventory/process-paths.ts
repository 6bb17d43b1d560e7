// Each user's real PATH, read from their running processes (Linux /proc/<pid>/environ; root reads everyone's).
// A shell profile can put any directory on PATH (~/tools/bin, /opt/x/bin); the processes say which ones are live.
import { readdirSync, readFileSync, statSync } from 'node:fs';

const MAX_PROCESSES = 5000;

/** uid → directories on the PATH of any of that user's processes (absolute paths only, de-duplicated). */
export function pathsOfRunningProcesses(uids: ReadonlySet<number>, procRoot = '/proc'): Map<number, string[]> {
  const out = new Map<number, Set<string>>();
  let names: string[];
  try {
    names = readdirSync(procRoot).filter((n) => /^\d+$/.test(n)).slice(0, MAX_PROCESSES);
  } catch {
    return new Map();
  }
  for (const pid of names) {
    try {
      const uid = statSync(`${procRoot}/${pid}`).uid;
      if (!uids.has(uid)) continue;
      const env = readFileSync(`${procRoot}/${pid}/environ`, 'utf8');
      const at = env.startsWith('PATH=') ? 0 : env.indexOf('\0PATH=') + 1;
      if (at <= 0 && !env.startsWith('PATH=')) continue;
      const end = env.indexOf('\0', at);
      const value = env.slice(at + 5, end < 0 ? undefined : end);
      const set = out.get(uid) ?? new Set<string>();
      for (const dir of value.split(':')) if (dir.startsWith('/')) set.add(dir.replace(/\/+$/, '') || '/');
      out.set(uid, set);
    } catch {
      // the process exited, or its environment is not ours to read
    }
  }
  return new Map([...out].map(([uid, dirs]) => [uid, [...dirs]]));
}
