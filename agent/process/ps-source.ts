// macOS (and other Unixes without /proc): two `ps` listings per poll. argv and the executable path each come
// last on their own listing, so a path with spaces ("/Applications/Visual Studio Code.app/…") parses exactly.
// Spawning ps costs milliseconds, so this source polls less often; an Endpoint Security client is the
// event-driven replacement on macOS.
import { execFile } from 'node:child_process';
import { SnapshotSource, type ListedProcess } from './snapshot-source.ts';

const PS = '/bin/ps';

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PS, args, { maxBuffer: 64 * 1024 * 1024, env: { LC_ALL: 'C' } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/**
 * Parses `ps -axww -o pid=,ppid=,uid=,lstart=,tty=,args=` and `ps -axww -o pid=,comm=` (LC_ALL=C).
 * lstart is the fixed-width "Wed Nov 25 03:46:27 2026"; it becomes epoch seconds, the start-time identity.
 */
export function parsePsListings(argsText: string, commText: string): ListedProcess[] {
  const exeByPid = new Map<number, string>();
  for (const line of commText.split('\n')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m) exeByPid.set(Number(m[1]), m[2]!.trim());
  }
  const out: ListedProcess[] = [];
  for (const line of argsText.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const started = Date.parse(`${m[4]!.replace(/\s+/g, ' ')} UTC`);
    const exe = exeByPid.get(pid) ?? null;
    const tty = m[5] === '??' || m[5] === '?' || m[5] === '-' ? undefined : `/dev/${m[5]}`;
    out.push({
      pid,
      ppid: Number(m[2]),
      uid: Number(m[3]),
      startTime: Number.isNaN(started) ? 0 : started / 1000,
      exe: exe && exe.startsWith('/') ? exe : null,
      argv: m[6] ? m[6].split(' ') : [],
      comm: exe ? exe.slice(exe.lastIndexOf('/') + 1) : '',
      tty,
    });
  }
  return out;
}

export class PsSource extends SnapshotSource {
  readonly kind = 'ps';

  protected async list(): Promise<ListedProcess[]> {
    const [argsText, commText] = await Promise.all([run(['-axww', '-o', 'pid=,ppid=,uid=,lstart=,tty=,args=']), run(['-axww', '-o', 'pid=,comm='])]);
    return parsePsListings(argsText, commText);
  }
}
