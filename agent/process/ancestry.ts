// The agent's own ancestors (its service manager, the shell that started it): never to be signalled.
import { readProcStat } from './proc-fs.ts';

export function ancestorsOf(pid: number): number[] {
  const out: number[] = [];
  if (process.platform !== 'linux') {
    // Elsewhere only the direct parent is cheaply known; the stopper also refuses pid 0/1.
    if (pid === process.pid && process.ppid > 1) out.push(process.ppid);
    return out;
  }
  let current = readProcStat(pid)?.ppid;
  while (current !== undefined && current > 1 && out.length < 256) {
    out.push(current);
    current = readProcStat(current)?.ppid;
  }
  return out;
}
