// The matcher's only window on the filesystem. Cheap, cached, never throws: a file that vanished or
// cannot be read is simply "no evidence". Every read goes through user-file-reader.ts (non-blocking, regular
// files only, bounded): the paths are chosen by whoever started the process. Tests can supply their own probe.
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { readUserFile, readUserText } from './user-file-reader.ts';

export interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  isFile: boolean;
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
  /** The `name` in `<dir>/package.json`, or null when there is none (a link or anything but a regular file is none). */
  packageName(dir: string): string | null;
}

const DIR_CACHE_LIMIT = 20_000;
/** Real manifests are a few KB; the biggest in the npm registry are well under 1 MB. */
const MAX_MANIFEST_BYTES = 1_000_000;

export class NodeFileProbe implements FileProbe {
  // dir → name in its package.json, revalidated by the manifest's mtime so a package copied in later is seen.
  private readonly packageNames = new Map<string, { name: string | null; mtimeMs: number }>();

  stat(path: string): FileStat | null {
    try {
      const s = statSync(path);
      return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
    } catch {
      return null;
    }
  }

  realpath(path: string): string | null {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  }

  read(path: string, region: 'head' | 'tail', bytes: number): Buffer | null {
    return readUserFile(path, region === 'head' ? 0 : -bytes, bytes, { followLinks: true });
  }

  readAt(path: string, offset: number, length: number): Buffer | null {
    return readUserFile(path, offset, length, { followLinks: true });
  }

  readlink(path: string): string | null {
    try {
      return readlinkSync(path);
    } catch {
      return null;
    }
  }

  packageName(dir: string): string | null {
    const manifest = `${dir}/package.json`;
    let mtimeMs: number;
    try {
      // lstat, not stat: a link is never a manifest, and its target's mtime must not validate the cache.
      const st = lstatSync(manifest);
      if (!st.isFile()) return null;
      mtimeMs = st.mtimeMs;
    } catch {
      return null;
    }
    const cached = this.packageNames.get(dir);
    if (cached && cached.mtimeMs === mtimeMs) return cached.name;
    const read = readUserText(manifest, MAX_MANIFEST_BYTES);
    let name: string | null = null;
    try {
      const parsed: unknown = read && JSON.parse(read.text);
      if (parsed && typeof parsed === 'object' && typeof (parsed as { name?: unknown }).name === 'string') name = (parsed as { name: string }).name;
    } catch {
      name = null;
    }
    if (this.packageNames.size >= DIR_CACHE_LIMIT) this.packageNames.clear();
    // Cached under the mtime of the file actually read (fstat): a swap between lstat and open is read again.
    this.packageNames.set(dir, { name, mtimeMs: read ? read.stat.mtimeMs : mtimeMs });
    return name;
  }
}
