// One process as the kernel shows it now, read from /proc: for an event about a single pid (the exec guard saw
// an interpreter load a tool) there is no reason to wait for, or pay for, a listing of every process.
import { readCmdline, readCwd, readExe, readProcStat, readUid } from './proc-fs.ts';
import type { SeenProcess } from './process-source.ts';
import { ttyPathFromNr } from './tty-device.ts';

export function readLiveProcess(pid: number, procRoot = '/proc'): SeenProcess | null {
  const stat = readProcStat(pid, procRoot);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  const uid = readUid(pid, procRoot);
  if (uid === null) return null;
  return {
    pid,
    ppid: stat.ppid,
    uid,
    startTime: stat.startTime,
    exe: readExe(pid, procRoot),
    argv: readCmdline(pid, procRoot),
    comm: stat.comm,
    tty: ttyPathFromNr(stat.ttyNr),
    ttyNr: stat.ttyNr || undefined,
    cwd: () => readCwd(pid, procRoot),
    procDir: `${procRoot}/${pid}`,
  };
}
