// A directory opened without following a single symlink, and every operation on a name inside it done as
// /proc/self/fd/<fd>/<name>. The kernel resolves /proc/self/fd/<fd> to the directory the fd holds (a "magic
// link": it jumps to that dentry, it does not re-walk the path the directory was opened by), so a user who swaps
// a parent directory for a symlink after the check cannot redirect what root then renames, creates or removes.
// Node has no openat/renameat; this is the same discipline through /proc. Linux only: elsewhere names are
// joined to the path the directory was opened by (no protection against a swapped parent), so the quarantine
// store refuses to act as root there (pinnedDirsAvailable() is false).
import { closeSync, constants, existsSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** True where /proc/self/fd resolves directories (Linux with /proc mounted). */
export function pinnedDirsAvailable(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/fd');
}

/** Same inode on the same device. */
export function sameFile(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

const VIA_PROC = pinnedDirsAvailable();

function checkName(name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new Error(`"${name}" is not a single file name`);
  return name;
}

export class PinnedDir {
  private constructor(
    readonly fd: number,
    /** The path it was opened by: for messages only, never used to act. */
    readonly path: string,
    readonly st: Stats,
  ) {}

  /**
   * Opens an absolute path from "/" one component at a time, each O_NOFOLLOW|O_DIRECTORY: fails (ENOTDIR,
   * ELOOP) if any component is a symlink at the moment it is opened. What it returns is the directory that was
   * really at that path, with no symlink involved, and it stays that directory whatever happens to the path.
   */
  static open(path: string): PinnedDir {
    return PinnedDir.fromRoot(path, false);
  }

  /**
   * Like open(), but a missing component is created (mode 0755, owned like the directory it is created in, so a
   * user's tree stays theirs). A component that exists as anything but a real directory fails.
   */
  static openOrCreate(path: string): PinnedDir {
    return PinnedDir.fromRoot(path, true);
  }

  private static fromRoot(path: string, create: boolean): PinnedDir {
    if (!path.startsWith('/')) throw new Error(`${path} is not an absolute path`);
    if (path.split('/').includes('..')) throw new Error(`${path} contains ".."`);
    return new PinnedDir(openSync('/', DIR_FLAGS), '/', lstatSync('/')).descend(path, create, true);
  }

  /** Opens each component of `rel` in turn from this directory (closed on the way when `consume`). */
  private descend(rel: string, create: boolean, consume: boolean): PinnedDir {
    let dir: PinnedDir = consume ? this : this.reopen();
    for (const part of rel.split('/').filter((p) => p && p !== '.')) {
      try {
        if (create && !dir.lstat(part)) dir.mkdirOwnedLikeSelf(part);
        const next = dir.openDir(part);
        dir.close();
        dir = next;
      } catch (err) {
        dir.close();
        throw err;
      }
    }
    return dir;
  }

  /** Opens the parent of an absolute path (see open()); returns it with the last component's name. */
  static openParent(path: string, create = false): { dir: PinnedDir; name: string } {
    const name = checkName(basename(path));
    return { dir: create ? PinnedDir.openOrCreate(dirname(path)) : PinnedDir.open(dirname(path)), name };
  }

  /** A directory the caller chose (not a user): opened the ordinary way, symlinks in its path followed. */
  static trusted(path: string): PinnedDir {
    const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
    return new PinnedDir(fd, path, fstatSync(fd));
  }

  /** The path of `name` inside this directory, resolved through the fd. */
  at(name: string): string {
    return `${this.self()}/${checkName(name)}`;
  }

  private self(): string {
    return VIA_PROC ? `/proc/self/fd/${this.fd}` : this.path;
  }

  /** For messages: where `name` was, by the path this directory was opened by. */
  describe(name: string): string {
    return this.path === '/' ? `/${name}` : `${this.path}/${name}`;
  }

  /** lstat of `name` (never follows it); null when absent. */
  lstat(name: string): Stats | null {
    try {
      return lstatSync(this.at(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Opens the subdirectory `name`, never following it if it is a symlink. */
  openDir(name: string): PinnedDir {
    const fd = openSync(this.at(name), DIR_FLAGS);
    try {
      return new PinnedDir(fd, this.describe(name), fstatSync(fd));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** A second fd on this same directory (the magic link is followed on purpose: it is the directory itself). */
  reopen(): PinnedDir {
    const fd = openSync(this.self(), constants.O_RDONLY | constants.O_DIRECTORY);
    return new PinnedDir(fd, this.path, fstatSync(fd));
  }

  /** Opens the directory `rel` ('a/b/c', '' for this one) below this one, component by component. */
  openRel(rel: string): PinnedDir {
    return this.descend(rel, false, false);
  }

  /** Creates `name` as a directory owned like this one (mkdir never follows a symlink at `name`). */
  private mkdirOwnedLikeSelf(name: string): void {
    try {
      mkdirSync(this.at(name), { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return; // made meanwhile: opened (or refused) as it is
      throw err;
    }
    const made = this.openDir(name);
    try {
      // Chown only what this process made: a directory swapped in meanwhile is someone else's and stays as it is.
      if (process.getuid?.() === 0 && made.st.uid === 0 && this.st.uid !== 0) made.chown(this.st.uid, this.st.gid);
    } finally {
      made.close();
    }
  }

  /**
   * Opens the regular file `name` for reading: O_NOFOLLOW (a symlink fails), O_NONBLOCK (a FIFO cannot hang
   * the open), then fstat on the fd must show a regular file, and the very inode `expect` saw when given.
   */
  openFile(name: string, expect?: { dev: number; ino: number }): { fd: number; st: Stats } {
    const fd = openSync(this.at(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error(`${this.describe(name)} is not a regular file`), { code: 'EFTYPE' });
      if (expect && !sameFile(st, expect)) throw Object.assign(new Error(`${this.describe(name)} changed while being read`), { code: 'ECHANGED' });
      return { fd, st };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The start of the regular file `name`, at most `max` bytes; null when absent or not a regular file. */
  readSmall(name: string, max: number): string | null {
    let fd: number;
    try {
      fd = this.openFile(name).fd;
    } catch {
      return null;
    }
    try {
      const buf = Buffer.alloc(max);
      let n = 0;
      for (let got = 1; got > 0 && n < max; n += got) got = readSync(fd, buf, n, max - n, null);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }

  names(): string[] {
    return readdirSync(this.self());
  }

  readlink(name: string): string {
    return readlinkSync(this.at(name));
  }

  /** rename(2) of `name` here to `toName` in `to`. Neither name is followed. */
  rename(name: string, to: PinnedDir, toName: string): void {
    renameSync(this.at(name), to.at(toName));
  }

  unlink(name: string): void {
    unlinkSync(this.at(name));
  }

  /**
   * Removes `name` and everything under it without ever following a symlink: each directory is opened
   * O_NOFOLLOW and emptied through its own fd. Absent is fine.
   */
  removeTree(name: string, attempts = 3): void {
    const st = this.lstat(name);
    if (!st) return;
    if (st.isDirectory()) {
      let sub: PinnedDir | null = null;
      try {
        sub = this.openDir(name);
      } catch (err) {
        // Swapped for something else since the lstat: removed below as what it now is.
        if (!['ENOTDIR', 'ELOOP', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
      if (sub) {
        try {
          for (const n of sub.names()) sub.removeTree(n);
        } finally {
          sub.close();
        }
        try {
          rmdirSync(this.at(name));
          return;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return;
          if (code !== 'ENOTDIR' && code !== 'ENOTEMPTY') throw err;
          // Changed under us (only the directory's owner can): try again, a bounded number of times.
          if (code === 'ENOTEMPTY') {
            if (attempts <= 0) throw err;
            this.removeTree(name, attempts - 1);
            return;
          }
        }
      }
    }
    try {
      unlinkSync(this.at(name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // A directory put at `name` since the lstat: remove it the same way.
      if ((code === 'EISDIR' || code === 'EPERM') && attempts > 0) this.removeTree(name, attempts - 1);
      else throw err;
    }
  }

  /** fchown on the fd: this directory itself, whatever its path now leads to. */
  chown(uid: number, gid: number): void {
    fchownSync(this.fd, uid, gid);
  }

  close(): void {
    closeSync(this.fd);
  }
}
