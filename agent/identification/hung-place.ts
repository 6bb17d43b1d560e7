// Where a read that never returned was: the file, and the mount it lies on. On a mount whose filesystem a daemon
// or a server answers for (FUSE, NFS, SMB, 9p, Ceph…), one hung read means every read there may hang, so the whole
// mount is refused until the read returns; on a local filesystem only that file is. Both the identification
// threads (to refuse) and the main thread (to name and decide) use this; nothing here touches the place itself:
// procfs magic links are resolved by readlink, which the kernel answers from its own name cache.
import { readFileSync, readlinkSync } from 'node:fs';
import type { RefusedPlaces } from './identification-messages.ts';

/** Filesystems answered by a user-space daemon or a remote server: a hang there is the mount's, not the file's. */
const ANSWERED_ELSEWHERE = /^(fuse(\..*)?|fuseblk|nfs4?|cifs|smb3|smbfs|9p|ceph|glusterfs|afs|virtiofs|lustre|gpfs)$/;
const PROC_LINK = /^\/proc\/(\d+|self|thread-self)\/(exe|cwd|fd\/\d+|map_files\/[^/]+)$/;

/** The file a path names: a procfs magic link (/proc/<pid>/exe, /proc/<pid>/fd/N) is its target. */
export function realPlace(path: string): string {
  if (!PROC_LINK.test(path)) return path;
  try {
    const target = readlinkSync(path);
    const deleted = target.endsWith(' (deleted)') ? target.slice(0, -10) : target;
    return deleted.startsWith('/') ? deleted : path;
  } catch {
    return path;
  }
}

export interface HungPlace {
  /** The file the read was on (a procfs link resolved). */
  file: string;
  /** The mount point, when the whole mount is refused. */
  mount?: string;
  fsType?: string;
}

/** mountinfo's octal escapes (\040 for a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-3][0-7]{2})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Decides what to refuse after a read of `path` hung (mountinfo: the text of /proc/self/mountinfo). */
export function hungPlace(path: string, mountinfo = readMountinfo()): HungPlace {
  const file = realPlace(path);
  let best: { point: string; type: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const point = unescapeMount(line.slice(0, sep).split(' ')[4] ?? '');
    const type = line.slice(sep + 3).split(' ')[0] ?? '';
    if (!point || !(file === point || file.startsWith(point === '/' ? '/' : `${point}/`))) continue;
    if (!best || point.length >= best.point.length) best = { point, type };
  }
  return best && ANSWERED_ELSEWHERE.test(best.type) && best.point !== '/' ? { file, mount: best.point, fsType: best.type } : { file };
}

function readMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

/** True when `path` (a procfs link resolved) lies in a refused place. */
export function isRefused(path: string, refused: RefusedPlaces): boolean {
  if (refused.mounts.length === 0 && refused.files.length === 0) return false;
  const file = realPlace(path);
  if (refused.files.includes(file) || refused.files.includes(path)) return true;
  return refused.mounts.some((m) => file === m || file.startsWith(`${m}/`) || path === m || path.startsWith(`${m}/`));
}
