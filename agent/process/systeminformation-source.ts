// Windows: systeminformation's process listing (WMI/CIM underneath). Slow per call compared with /proc, so
// Windows polls less often; an ETW process-start consumer is the event-driven replacement.
import type si from 'systeminformation';
import { SnapshotSource, type ListedProcess } from './snapshot-source.ts';

type SiProcess = Awaited<ReturnType<typeof si.processes>>['list'][number];

/** Maps systeminformation's records to listed processes. `started` ("2026-11-25 03:46:27") is the identity. */
export function fromSystemInformation(list: readonly SiProcess[], platform: NodeJS.Platform = process.platform): ListedProcess[] {
  const sep = platform === 'win32' ? '\\' : '/';
  return list.map((p) => {
    const exe = p.path ? (p.path.endsWith(p.name) ? p.path : `${p.path}${sep}${p.name}`) : null;
    const started = Date.parse(p.started.replace(' ', 'T'));
    return {
      pid: p.pid,
      ppid: p.parentPid,
      uid: -1,
      startTime: Number.isNaN(started) ? 0 : started / 1000,
      exe,
      argv: [exe ?? p.name, ...(p.params ? p.params.split(' ') : [])],
      comm: p.name,
      tty: p.tty && p.tty !== '?' ? p.tty : undefined,
    };
  });
}

export class SystemInformationSource extends SnapshotSource {
  readonly kind = 'systeminformation';

  /** Loaded on first use: the library weighs ~9 MB in memory, and Linux and macOS agents never use it. */
  private si: typeof si | undefined;

  protected async list(): Promise<ListedProcess[]> {
    this.si ??= (await import('systeminformation')).default;
    return fromSystemInformation((await this.si.processes()).list);
  }
}
