// What the agent sees of a process a test launched: /proc read by the agent's own process source, polled every
// 20 ms until the pid shows the program it exec'd (a fresh child first shows its parent's executable).
import type { ChildProcess } from 'node:child_process';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';
import type { SeenProcess } from '../../agent/process/process-source.ts';

/** The child as /proc reports it once `ready` holds; throws if it exits first or `timeoutMs` passes. */
export async function observeLaunch(child: ChildProcess, ready: (p: SeenProcess) => boolean, timeoutMs = 20_000): Promise<SeenProcess> {
  const source = new ProcFsSource();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const seen = (await source.running()).find((p) => p.pid === child.pid && ready(p));
    if (seen) return seen;
    if (exited) throw new Error(`pid ${child.pid} exited before /proc showed it running the expected program`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${child.pid} not seen running the expected program within ${timeoutMs} ms`);
}

/** Every process /proc shows now that descends from `root` (the root included). */
export async function descendantsInProc(root: number): Promise<SeenProcess[]> {
  const all = await new ProcFsSource().running();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    for (let q: SeenProcess | undefined = p, hops = 0; q && hops < 64; q = byPid.get(q.ppid), hops++) if (q.pid === root) return true;
    return false;
  });
}
