// CPU time of a running process, for the idle-cost figures. /proc/<pid>/stat counts in clock ticks (10 ms), too
// coarse for an agent using half a percent of a core over a few seconds; each thread's schedstat counts the
// nanoseconds it ran. Children the process waited for (ps, shells) are added from stat's cutime/cstime.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** CPU seconds of every live thread of `pid`, plus its waited-for children; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 (1-based), i.e. 13 and 14 after the comm field.
    return ns / 1e9 + (Number(f[13]) + Number(f[14])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Resident set size in MiB (NaN once the process is gone). */
export function processRssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
