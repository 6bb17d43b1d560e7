// The matcher's only window on the filesystem. Cheap, cached, never throws: a file that vanished or
// cannot be read is simply "no evidence". Every read goes through user-file-reader.ts (non-blocking, regular
// files only, bounded): the paths are chosen by whoever started the process. Tests can supply their own probe.
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { guardedAccess } from './file-access-guard.ts';
import { readUserFile, readUserText } from './user-file-reader.ts';

export interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  isFile: boolean;
  /** Owner: evidence found near a program counts only when its owner could speak for that program. */
  uid: number;
}

/** A package.json: the package it names (null when it names none) and who owns the file. */
export interface PackageManifest {
  name: string | null;
  uid: number;
}

export interface FileProbe {
  stat(path: string): FileStat | null;
  realpath(path: string): string | null;
  /**
   * Up to `bytes` from the start (region 'head') or the end ('tail') of a regular file. Content reads follow a
   * final symbolic link: these paths are what runs (/proc/<pid>/exe, a resolved script), and a link's target is it.
   */
  read(path: string, region: 'head' | 'tail', bytes: number): Buffer | null;
  /** Up to `length` bytes at `offset` of a regular file (bounded; see user-file-reader.ts). */
  readAt(path: string, offset: number, length: number): Buffer | null;
  /** The target of a symbolic link (procfs links such as /proc/<pid>/ns/mnt included), or null. */
  readlink(path: string): string | null;
  /** `<dir>/package.json`, or null when there is none (a link or anything but a regular file is none). */
  packageManifest(dir: string): PackageManifest | null;
}

const DIR_CACHE_LIMIT = 20_000;
/** Real manifests are a few KB; the biggest in the npm registry are well under 1 MB. */
const MAX_MANIFEST_BYTES = 1_000_000;

function manifestStamp(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.uid}`;
}

export class NodeFileProbe implements FileProbe {
  // dir → its package.json, revalidated by the manifest's identity so a package copied in (or a chown) is seen.
  private readonly manifests = new Map<string, { manifest: PackageManifest; stamp: string }>();

  stat(path: string): FileStat | null {
    return guardedAccess(path, null, () => {
      try {
        const s = statSync(path);
        return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile(), uid: s.uid };
      } catch {
        return null;
      }
    });
  }

  realpath(path: string): string | null {
    return guardedAccess(path, null, () => {
      try {
        return realpathSync(path);
      } catch {
        return null;
      }
    });
  }

  read(path: string, region: 'head' | 'tail', bytes: number): Buffer | null {
    return readUserFile(path, region === 'head' ? 0 : -bytes, bytes, { followLinks: true });
  }

  readAt(path: string, offset: number, length: number): Buffer | null {
    return readUserFile(path, offset, length, { followLinks: true });
  }

  readlink(path: string): string | null {
    return guardedAccess(path, null, () => {
      try {
        return readlinkSync(path);
      } catch {
        return null;
      }
    });
  }

  packageManifest(dir: string): PackageManifest | null {
    const manifest = `${dir}/package.json`;
    // lstat, not stat: a link is never a manifest, and its target must not validate the cache.
    const stamp = guardedAccess(manifest, null, () => {
      try {
        const st = lstatSync(manifest);
        return st.isFile() ? manifestStamp(st) : null;
      } catch {
        return null;
      }
    });
    if (stamp === null) return null;
    const cached = this.manifests.get(dir);
    if (cached && cached.stamp === stamp) return cached.manifest;
    const read = readUserText(manifest, MAX_MANIFEST_BYTES);
    if (!read) return null;
    let name: string | null = null;
    try {
      const parsed: unknown = JSON.parse(read.text);
      if (parsed && typeof parsed === 'object' && typeof (parsed as { name?: unknown }).name === 'string') name = (parsed as { name: string }).name;
    } catch {
      name = null;
    }
    if (this.manifests.size >= DIR_CACHE_LIMIT) this.manifests.clear();
    // The owner and stamp are those of the file actually read (fstat): a swap between lstat and open is read again.
    const found = { name, uid: read.stat.uid };
    this.manifests.set(dir, { manifest: found, stamp: manifestStamp(read.stat) });
    return found;
  }
}
