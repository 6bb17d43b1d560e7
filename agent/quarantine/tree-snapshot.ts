// Every entry under a path as it is on disk — type, mode, owner, times, SHA-256 of each file, symlink text,
// hard links — without following a single symlink. What quarantine records before it moves anything, and what
// restore and the tests compare against. The walk holds each directory open (O_NOFOLLOW) and reads its entries
// through that fd, so a directory swapped for a symlink mid-walk is never entered.
import { createReadStream, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { PinnedDir, sameFile } from './pinned-dir.ts';

export interface SnapshotEntry {
  /** Path relative to the snapshot's root ('' for the root itself). */
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  size?: number;
  sha256?: string;
  /** The symlink's own text, never resolved. */
  target?: string;
  /** For a hard link to a file listed earlier in the same snapshot: that file's rel. */
  linkOf?: string;
}

/** One entry of a walk: its directory (open), its name there, and its lstat. */
export interface TreeEntry {
  rel: string;
  dir: PinnedDir;
  name: string;
  st: Stats;
}

/**
 * Visits `name` in `dir` and everything under it, parents before children, names sorted. Each directory is
 * opened O_NOFOLLOW and must be the inode its lstat showed; `visit` may be async and may use entry.dir.
 */
export async function walkTree(dir: PinnedDir, name: string, visit: (e: TreeEntry) => Promise<void> | void, rel = ''): Promise<void> {
  const st = dir.lstat(name);
  if (!st) throw Object.assign(new Error(`${dir.describe(name)}: missing`), { code: 'ENOENT' });
  await visit({ rel, dir, name, st });
  if (!st.isDirectory()) return;
  const sub = dir.openDir(name);
  try {
    if (!sameFile(sub.st, st)) throw new Error(`${dir.describe(name)} changed while being read`);
    for (const n of sub.names().sort()) await walkTree(sub, n, visit, rel ? `${rel}/${n}` : n);
  } finally {
    sub.close();
  }
}

async function sha256File(dir: PinnedDir, name: string, expect: Stats): Promise<string> {
  const { fd } = dir.openFile(name, expect);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream('', { fd, autoClose: true })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Snapshot of `name` inside an already pinned directory. */
export async function snapshotAt(dir: PinnedDir, name: string, withHashes = true): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  const inodes = new Map<string, string>();
  await walkTree(dir, name, async ({ rel, dir: d, name: n, st }) => {
    const base = { rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
    if (st.isSymbolicLink()) out.push({ ...base, type: 'symlink', target: d.readlink(n) });
    else if (st.isDirectory()) out.push({ ...base, type: 'dir' });
    else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? inodes.get(inode) : undefined;
      if (first !== undefined) {
        out.push({ ...base, type: 'file', size: st.size, sha256: out.find((e) => e.rel === first)?.sha256, linkOf: first });
        return;
      }
      if (st.nlink > 1) inodes.set(inode, rel);
      out.push({ ...base, type: 'file', size: st.size, ...(withHashes ? { sha256: await sha256File(d, n, st) } : {}) });
    } else throw new Error(`${d.describe(n)}: not a file, directory or symlink (a socket or device has no place in a tool's install)`);
  });
  return out;
}

/** Snapshot of a path the caller chose (its parent is opened the ordinary way; below it nothing is followed). */
export async function snapshotTree(root: string, withHashes = true): Promise<SnapshotEntry[]> {
  const dir = PinnedDir.trusted(dirname(root));
  try {
    return await snapshotAt(dir, basename(root), withHashes);
  } finally {
    dir.close();
  }
}

/** Differences between two snapshots, as readable lines (empty when identical). */
export function compareSnapshots(expected: readonly SnapshotEntry[], actual: readonly SnapshotEntry[], what: { mtime?: boolean } = {}): string[] {
  const problems: string[] = [];
  const byRel = new Map(actual.map((e) => [e.rel, e]));
  for (const e of expected) {
    const a = byRel.get(e.rel);
    if (!a) {
      problems.push(`${e.rel || '.'}: missing`);
      continue;
    }
    byRel.delete(e.rel);
    for (const k of ['type', 'mode', 'uid', 'gid', 'size', 'sha256', 'target'] as const)
      if (e[k] !== a[k]) problems.push(`${e.rel || '.'}: ${k} ${String(a[k])}, expected ${String(e[k])}`);
    if (what.mtime && e.type !== 'symlink' && Math.trunc(e.mtimeMs) !== Math.trunc(a.mtimeMs)) problems.push(`${e.rel || '.'}: mtime changed`);
  }
  for (const rel of byRel.keys()) problems.push(`${rel}: unexpected`);
  return problems;
}
