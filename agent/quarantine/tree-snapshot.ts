// Every entry under a path as it is on disk — type, mode, owner, times, SHA-256 of each file, symlink text,
// hard links — without following a single symlink. What quarantine records before it moves anything, and what
// restore and the tests compare against.
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

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

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lists a tree (or a single file or link) in a stable order: parents before children. */
export function listTree(root: string): { rel: string; path: string; st: Stats }[] {
  const out: { rel: string; path: string; st: Stats }[] = [];
  const visit = (rel: string): void => {
    const path = rel ? join(root, rel) : root;
    const st = lstatSync(path);
    out.push({ rel, path, st });
    if (!st.isDirectory()) return;
    for (const name of readdirSync(path).sort()) visit(rel ? `${rel}/${name}` : name);
  };
  visit('');
  return out;
}

export async function snapshotTree(root: string, withHashes = true): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  const inodes = new Map<string, string>();
  for (const { rel, path, st } of listTree(root)) {
    const base = { rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
    if (st.isSymbolicLink()) out.push({ ...base, type: 'symlink', target: readlinkSync(path) });
    else if (st.isDirectory()) out.push({ ...base, type: 'dir' });
    else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? inodes.get(inode) : undefined;
      if (first !== undefined) {
        out.push({ ...base, type: 'file', size: st.size, sha256: out.find((e) => e.rel === first)?.sha256, linkOf: first });
        continue;
      }
      if (st.nlink > 1) inodes.set(inode, rel);
      out.push({ ...base, type: 'file', size: st.size, ...(withHashes ? { sha256: await sha256File(path) } : {}) });
    } else throw new Error(`${path}: not a file, directory or symlink (a socket or device has no place in a tool's install)`);
  }
  return out;
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
