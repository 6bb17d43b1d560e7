// The matcher's only window on the filesystem. Cheap, cached, never throws: a file that vanished or
// cannot be read is simply "no evidence". Tests and other platforms can supply their own.
import { closeSync, fstatSync, openSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { readBounded } from './bounded-read.ts';

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
  /** Up to `bytes` from the start (region 'head') or the end ('tail') of a regular file. */
  read(path: string, region: 'head' | 'tail', bytes: number): Buffer | null;
  /** Up to `length` bytes at `offset` of a regular file (bounded; see bounded-read.ts). */
  readAt(path: string, offset: number, length: number): Buffer | null;
  /** The target of a symbolic link (procfs links such as /proc/<pid>/ns/mnt included), or null. */
  readlink(path: string): string | null;
  /** The `name` in `<dir>/package.json`, or null when there is none. */
  packageName(dir: string): string | null;
}

const DIR_CACHE_LIMIT = 20_000;

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
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      if (!st.isFile()) return null;
      const length = Math.min(bytes, st.size);
      const buf = Buffer.allocUnsafe(length);
      const position = region === 'head' ? 0 : st.size - length;
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done === length ? buf : buf.subarray(0, done);
    } catch {
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  readAt(path: string, offset: number, length: number): Buffer | null {
    return readBounded(path, offset, length);
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
      mtimeMs = statSync(manifest).mtimeMs;
    } catch {
      return null;
    }
    const cached = this.packageNames.get(dir);
    if (cached && cached.mtimeMs === mtimeMs) return cached.name;
    let name: string | null = null;
    try {
      const text = readFileSync(manifest, 'utf8');
      if (text.length < 1_000_000) {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && typeof (parsed as { name?: unknown }).name === 'string')
          name = (parsed as { name: string }).name;
      }
    } catch {
      name = null;
    }
    if (this.packageNames.size >= DIR_CACHE_LIMIT) this.packageNames.clear();
    this.packageNames.set(dir, { name, mtimeMs });
    return name;
  }
}
