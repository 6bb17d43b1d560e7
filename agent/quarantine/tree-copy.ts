// An exact copy of a tree (modes, owners, times, symlinks, hard links) from one pinned directory into another,
// for moves across file systems. Nothing is followed on either side: sources are read through O_NOFOLLOW fds
// that must be the inode the walk saw, destinations are created O_EXCL|O_NOFOLLOW (or mkdir/symlink, which never
// follow) and their owner, mode and times set on the fd. Every file is fsynced.
import { closeSync, constants, fchmodSync, fchownSync, fsyncSync, futimesSync, lchownSync, linkSync, mkdirSync, openSync, readSync, symlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type PinnedDir, sameFile } from './pinned-dir.ts';
import type { SnapshotEntry } from './tree-snapshot.ts';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const isRoot = () => process.getuid?.() === 0;

interface Meta {
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

/** Owner first (chown clears set-id bits), then mode, then times, all on the fd. */
function finish(fd: number, m: Meta): void {
  if (isRoot()) fchownSync(fd, m.uid, m.gid);
  fchmodSync(fd, m.mode);
  futimesSync(fd, m.mtimeMs / 1000, m.mtimeMs / 1000);
}

function copyFileContent(from: number, to: number): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const n = readSync(from, buf, 0, buf.length, null);
    if (n === 0) break;
    for (let off = 0; off < n; ) off += writeSync(to, buf, off, n - off);
  }
  fsyncSync(to);
}

class TreeCopy {
  private readonly byRel: Map<string, SnapshotEntry>;
  private dstRoot: PinnedDir | null = null;

  constructor(files: readonly SnapshotEntry[]) {
    this.byRel = new Map(files.map((f) => [f.rel, f]));
  }

  copy(src: PinnedDir, sName: string, dst: PinnedDir, dName: string, rel: string): Stats {
    const st = src.lstat(sName);
    if (!st) throw Object.assign(new Error(`${src.describe(sName)}: missing`), { code: 'ENOENT' });
    const meta: Meta = this.byRel.get(rel) ?? { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
    if (st.isSymbolicLink()) {
      symlinkSync(this.byRel.get(rel)?.target ?? src.readlink(sName), dst.at(dName));
      if (isRoot()) lchownSync(dst.at(dName), meta.uid, meta.gid);
      return dst.lstat(dName)!;
    }
    if (st.isDirectory()) return this.copyDir(src, sName, st, dst, dName, rel, meta);
    if (!st.isFile()) throw new Error(`${src.describe(sName)}: not a file, directory or symlink`);
    const linkOf = this.byRel.get(rel)?.linkOf;
    if (linkOf && this.dstRoot) {
      const firstDir = this.dstRoot.openRel(dirname(linkOf) === '.' ? '' : dirname(linkOf));
      try {
        linkSync(firstDir.at(basename(linkOf)), dst.at(dName));
      } finally {
        firstDir.close();
      }
      return dst.lstat(dName)!;
    }
    const { fd: from } = src.openFile(sName, st);
    try {
      const to = openSync(dst.at(dName), CREATE_FLAGS, 0o600);
      try {
        copyFileContent(from, to);
        finish(to, meta);
        return dst.lstat(dName)!;
      } finally {
        closeSync(to);
      }
    } finally {
      closeSync(from);
    }
  }

  private copyDir(src: PinnedDir, sName: string, st: Stats, dst: PinnedDir, dName: string, rel: string, meta: Meta): Stats {
    mkdirSync(dst.at(dName), { mode: 0o700 });
    const to = dst.openDir(dName);
    try {
      // Ours only if this process made it: a directory swapped in by whoever owns `dst` is not filled.
      if (to.st.uid !== process.geteuid?.()) throw new Error(`${dst.describe(dName)} was replaced while being created`);
      const from = src.openDir(sName);
      try {
        if (!sameFile(from.st, st)) throw new Error(`${src.describe(sName)} changed while being copied`);
        if (rel === '') this.dstRoot = to.reopen();
        for (const n of from.names().sort()) this.copy(from, n, to, n, rel ? `${rel}/${n}` : n);
      } finally {
        from.close();
      }
      // Children first, so nothing bumps the directory's times after they are set.
      finish(to.fd, meta);
      return to.st;
    } finally {
      to.close();
    }
  }

  close(): void {
    this.dstRoot?.close();
  }
}

/**
 * Copies `sName` in `src` to `dName` in `dst` (which must not exist), with the owners, modes, times, symlink
 * texts and hard links `files` records (entries it does not list keep what the source has). Returns the lstat
 * of the copy's root, so a caller can tell it from anything put at that name later.
 */
export function copyTreeAt(src: PinnedDir, sName: string, dst: PinnedDir, dName: string, files: readonly SnapshotEntry[]): Stats {
  const c = new TreeCopy(files);
  try {
    const st = c.copy(src, sName, dst, dName, '');
    fsyncSync(dst.fd);
    return st;
  } finally {
    c.close();
  }
}
