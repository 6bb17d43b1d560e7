// Network and FUSE mounts are never walked: a stat there can hang for minutes, costs someone else's server, and
// a home on NFS is inventoried by the agent on the machine that owns it. Read from /proc/self/mountinfo.
import { readFileSync } from 'node:fs';

const SKIPPED_TYPES = /^(nfs4?|cifs|smb3?|smbfs|ncpfs|afs|ceph|glusterfs|lustre|gpfs|9p|davfs|sshfs|fuse(\..*)?|fuseblk|autofs|proc|sysfs|cgroup2?|debugfs|tracefs|securityfs|pstore|bpf|configfs|devpts|mqueue|hugetlbfs|fusectl|binfmt_misc)$/;

/** Mount points (octal escapes of mountinfo undone) whose file system type is network, FUSE or virtual. */
export function skippedMounts(mountinfo?: string): string[] {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return [];
    }
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const fsType = line.slice(sep + 3).split(' ')[0] ?? '';
    const mountPoint = fields[4];
    if (!mountPoint || !SKIPPED_TYPES.test(fsType)) continue;
    out.push(mountPoint.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}

export class MountFilter {
  private readonly points: string[];

  constructor(points: readonly string[] = skippedMounts()) {
    this.points = points.filter((p) => p !== '/');
  }

  /** True when `path` is a skipped mount point or lies below one. */
  skips(path: string): boolean {
    for (const p of this.points) if (path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)) return true;
    return false;
  }
}
