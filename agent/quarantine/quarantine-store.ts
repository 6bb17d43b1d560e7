// Reversible quarantine: a verified tool's files are moved (never copied-and-forgotten, never deleted) into a
// store owned by the agent, with a manifest that records every file as it was, and a stub takes the place of
// each command. Every step is journaled in the manifest before it happens, and each step is idempotent, so a
// crash at any instant is finished by recover(): the tool ends up fully in place or fully in quarantine.
//
// Journal: (no manifest) nothing moved → 'moving' → 'stubbing' → 'done' → 'restoring' → (item gone).
// Moves are one rename each (same file system); across file systems a move is copy to `N.partial`, fsync,
// rename to `N` (the copy is now complete), then removal of the original — recovery resumes from any of these.
//
// The tool's directories belong to a user who may swap any of them for a symlink at any instant: on that side
// nothing is done by path. Parents are pinned (pinned-dir.ts) when checked and acted on through their fds.
import { chmodSync, chownSync, closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, type Stats, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../../policy/atomic-file.ts';
import type { LocalizedText } from '../../policy/index.ts';
import { PinnedDir, pinnedDirsAvailable, sameFile } from './pinned-dir.ts';
import { isStubFor, stubScript } from './quarantine-stub.ts';
import { copyTreeAt } from './tree-copy.ts';
import { compareSnapshots, snapshotAt, type SnapshotEntry } from './tree-snapshot.ts';

const FORMAT = 'cordon-quarantine/1';

export interface QuarantineRequest {
  toolId: string;
  toolName: string;
  root: string;
  entries: { path: string; stub: boolean }[];
  user?: string;
  via: string;
  version?: string;
  evidence: string;
  ruleId: string | null;
  /** The policy's reason, placeholders filled, per locale. */
  reason: LocalizedText;
  moreInfoUrl?: string;
  exceptionUrl?: string;
}

export interface QuarantineMove {
  /** The original path (the tool's root, or a command linking into it). */
  from: string;
  /** Name under the item's payload directory. */
  payload: string;
  stub: boolean;
  /** Every entry under `from`, as it was. */
  files: SnapshotEntry[];
  /**
   * The entry's identity when it was checked: a rename into the payload keeps it, so recovery can tell the tool
   * from something a user swapped in at the name. Absent in manifests written before it was recorded.
   */
  inode?: { dev: number; ino: number };
}

export type QuarantineState = 'moving' | 'stubbing' | 'done' | 'restoring';

export interface QuarantineManifest extends QuarantineRequest {
  format: typeof FORMAT;
  id: string;
  state: QuarantineState;
  quarantinedAt: string;
  /** Why, in English, for logs and `cordon quarantine list`. */
  why: string;
  moves: QuarantineMove[];
}

export interface RecoveryReport {
  completed: string[];
  restored: string[];
  rolledBack: string[];
  discarded: string[];
  problems: string[];
}

const isRoot = () => process.getuid?.() === 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * Where a move's original lives: its parent directory, opened from "/" with no symlink anywhere (PinnedDir), and
 * its name there. Every action on a user's side goes through `dir`'s fd, never through the path again.
 */
interface Place {
  dir: PinnedDir;
  name: string;
  /** The entry's identity when it was checked and snapshotted (known only in the process that checked it). */
  checked?: { dev: number; ino: number };
}

/** True when `name` in `dir` holds exactly what `files` describes (content included). */
async function matchesAt(dir: PinnedDir, name: string, files: readonly SnapshotEntry[]): Promise<boolean> {
  try {
    return compareSnapshots(files, await snapshotAt(dir, name)).length === 0;
  } catch {
    return false;
  }
}

/** True when the payload entry of `mv` is what the move recorded: the very inode (a rename) or an exact copy. */
async function holdsMoved(payload: PinnedDir, mv: QuarantineMove): Promise<boolean> {
  const st = payload.lstat(mv.payload);
  if (!st) return false;
  if (mv.inode && sameFile(st, mv.inode)) return true;
  return matchesAt(payload, mv.payload, mv.files);
}

/**
 * Moves `sName` to `dName` only if that name is free: link(2) then unlink for a non-directory (link never
 * replaces), rename(2) for a directory (which fails on a non-directory or a non-empty directory). False when
 * the name is taken; nothing was moved then.
 */
function moveNoReplace(src: PinnedDir, sName: string, dst: PinnedDir, dName: string): boolean {
  const st = src.lstat(sName);
  if (!st) throw new Error(`${src.describe(sName)} vanished`);
  try {
    if (st.isDirectory()) {
      if (dst.lstat(dName)) return false;
      src.rename(sName, dst, dName);
    } else {
      linkSync(src.at(sName), dst.at(dName));
      const left = src.lstat(sName);
      if (left && sameFile(left, st)) src.unlink(sName);
    }
  } catch (err) {
    if (['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
  fsyncSync(dst.fd);
  return true;
}

/**
 * Something other than the checked entry was taken from a user's name (swapped in between the last check and
 * the rename): it is theirs and goes back, never replacing what is at the name now (that may be the tool
 * itself). With the name taken it goes next to it, under a fresh name. Nothing of it is ever removed.
 */
function returnForeign(src: PinnedDir, sName: string, place: Place): string {
  if (moveNoReplace(src, sName, place.dir, place.name)) return place.dir.describe(place.name);
  const spare = `${place.name}.cordon-returned-${randomBytes(4).toString('hex')}`;
  if (moveNoReplace(src, sName, place.dir, spare)) return place.dir.describe(spare);
  throw new Error(`${src.describe(sName)} is not what was checked and could not be returned to ${place.dir.describe(place.name)}`);
}

/**
 * Removes a tree that has a complete, checked copy elsewhere: renamed aside first (atomic), so the name is
 * always either the whole original or absent, never half-deleted. A leftover `.cordon-removing` is only ever a
 * fully copied original. `expect`: the inode that was copied; anything else found at the name is put back.
 */
function removeCopied(dir: PinnedDir, name: string, expect?: { dev: number; ino: number }): void {
  const aside = `${name}.cordon-removing`;
  dir.rename(name, dir, aside);
  const st = dir.lstat(aside);
  if (expect && st && !sameFile(st, expect)) {
    // Not the original: never left under the aside name (what is there is removed as a copied original).
    const at = returnForeign(dir, aside, { dir, name });
    throw new Error(`${dir.describe(name)} was replaced after it was copied; what was there instead is at ${at}`);
  }
  fsyncSync(dir.fd);
  dir.removeTree(aside);
}

/**
 * Moves `from` to `to` in the store's payload directory. Same file system: one rename. Across file systems: copy
 * to `to.partial`, check the copy against `files`, rename it to `to` (the copy is now complete), then remove the
 * original. When the entry's checked identity is known, what is found at the name must still be that entry.
 */
async function moveExact(from: Place, payload: PinnedDir, to: string, files: readonly SnapshotEntry[]): Promise<void> {
  const st = from.dir.lstat(from.name);
  if (!st) throw new Error(`${from.dir.describe(from.name)} vanished before it could be moved`);
  if (from.checked && !sameFile(st, from.checked)) throw new Error(`${from.dir.describe(from.name)} was replaced after it was checked; nothing was moved`);
  try {
    from.dir.rename(from.name, payload, to);
    fsyncSync(payload.fd);
    fsyncSync(from.dir.fd);
    // Now out of the user's reach: it must be the entry that was checked. Anything swapped in after the lstat goes
    // straight back: left in the payload it would pass for the tool, and recovery would remove the real one.
    const moved = payload.lstat(to);
    const foreign = moved && (from.checked ? !sameFile(moved, from.checked) : !(await matchesAt(payload, to, files)));
    if (foreign) {
      const at = returnForeign(payload, to, from);
      throw new Error(`${from.dir.describe(from.name)} was replaced while being moved; what was moved instead was put back at ${at}`);
    }
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const partial = `${to}.partial`;
  payload.removeTree(partial);
  copyTreeAt(from.dir, from.name, payload, partial, files);
  const problems = compareSnapshots(files, await snapshotAt(payload, partial));
  if (problems.length) throw new Error(`copy of ${from.dir.describe(from.name)} differs from the original: ${problems.slice(0, 3).join('; ')}`);
  payload.rename(partial, payload, to);
  fsyncSync(payload.fd);
  removeCopied(from.dir, from.name, from.checked ?? st);
}

/** The stub's name while it is written, next to where it goes (fixed, so recovery finds a leftover). */
function stubTempName(name: string): string {
  return `.${name}.cordon-stub`;
}

/** Opens the place of a manifest's `from` path: its parent walked from "/" without following anything. */
function openPlace(from: string, createParents = false): Place {
  return PinnedDir.openParent(from, createParents);
}

export class QuarantineStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'quarantine');
  }

  private ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    // Root-only when the agent is root: a person must not reach the files around the policy.
    if (isRoot()) chownSync(this.dir, 0, 0);
  }

  /**
   * One process at a time changes the store (the agent's pass and an admin's `cordon quarantine restore` may
   * overlap). A lock left by a killed process is taken over: its work is what recover() finishes.
   */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    this.ensure();
    const lock = join(this.dir, '.lock');
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lock, 'wx', 0o600);
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(readFileSync(lock, 'utf8').trim());
        if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
          rmSync(lock, { force: true });
          continue;
        }
        if (attempt >= 100) throw new Error(`the quarantine store ${this.dir} is busy (process ${holder}); try again`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private itemDir(id: string): string {
    if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`"${id}" is not a quarantine id (see cordon quarantine list)`);
    return join(this.dir, id);
  }

  private write(m: QuarantineManifest): void {
    writeFileAtomic(join(this.itemDir(m.id), 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`, 0o600);
  }

  private read(id: string): QuarantineManifest | null {
    try {
      const m = JSON.parse(readFileSync(join(this.itemDir(id), 'manifest.json'), 'utf8')) as QuarantineManifest;
      return m.format === FORMAT ? m : null;
    } catch {
      return null;
    }
  }

  /** Items fully in quarantine, oldest first. */
  list(): QuarantineManifest[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => /^[a-z0-9-]+$/.test(n))
      .map((n) => this.read(n))
      .filter((m): m is QuarantineManifest => m !== null && m.state === 'done')
      .sort((a, b) => a.quarantinedAt.localeCompare(b.quarantinedAt));
  }

  get(id: string): QuarantineManifest | null {
    return this.read(id);
  }

  /**
   * Moves a tool into quarantine. `verify` re-identifies the root right before anything moves: only a path the
   * policy core still recognises as this tool is touched. Commands are moved only when they are symlinks that
   * resolve into the root; the root itself must not be a symlink.
   */
  quarantine(req: QuarantineRequest, verify: (root: string) => string | null, now: () => number = Date.now): Promise<QuarantineManifest> {
    // The stub is a POSIX shell script; Windows needs a .cmd shim, not written yet.
    if (process.platform === 'win32') return Promise.reject(new Error('quarantine is not supported on Windows yet; the tool is reported only'));
    if (isRoot() && !pinnedDirsAvailable())
      return Promise.reject(new Error('quarantine as root needs /proc/self/fd (Linux) to act inside users\' directories without following their symlinks; the tool is reported only'));
    return this.locked(() => this.quarantineLocked(req, verify, now));
  }

  private async quarantineLocked(req: QuarantineRequest, verify: (root: string) => string | null, now: () => number): Promise<QuarantineManifest> {
    const rootSt = lstatSync(req.root);
    if (rootSt.isSymbolicLink()) throw new Error(`${req.root} is a symlink; only the tool's real files are quarantined`);
    const verified = verify(req.root);
    if (verified !== req.toolId) throw new Error(`${req.root} is not verified as ${req.toolId} (${verified ?? 'no match'}); nothing was moved`);
    // A prefix reached through a symlinked directory (~/.npm-global → ~/dotfiles/npm) is moved at its real
    // location; from here on every parent is opened from "/" with no symlink (PinnedDir) and held open until
    // the move is done, so a path component swapped for a symlink later can never redirect anything.
    const realRoot = realpathSync(req.root);
    const realSt = lstatSync(realRoot);
    if (realRoot !== req.root && verify(realRoot) !== req.toolId) throw new Error(`${realRoot} (the real path of ${req.root}) is not verified as ${req.toolId}; nothing was moved`);
    const entries = req.entries.filter((e) => {
      if (e.path === req.root || isInside(e.path, req.root) || isInside(e.path, realRoot)) return false;
      try {
        return lstatSync(e.path).isSymbolicLink() && isInside(realpathSync(e.path), realRoot);
      } catch {
        return false;
      }
    });
    const stubRoot = rootSt.isFile() && !entries.some((e) => e.stub);
    const places = new Map<string, Place>();
    try {
      const moves: QuarantineMove[] = [];
      const add = async (from: string, stub: boolean, mustBe: (st: Stats) => boolean): Promise<void> => {
        const place = openPlace(from);
        places.set(String(moves.length), place);
        const before = place.dir.lstat(place.name);
        if (!before || !mustBe(before)) throw new Error(`${from} changed after it was checked; nothing was moved`);
        const files = await snapshotAt(place.dir, place.name);
        const after = place.dir.lstat(place.name);
        if (!after || !sameFile(before, after)) throw new Error(`${from} changed while it was being recorded; nothing was moved`);
        place.checked = { dev: before.dev, ino: before.ino };
        moves.push({ from, payload: String(moves.length), stub, files, inode: place.checked });
      };
      await add(realRoot, stubRoot, (st) => !st.isSymbolicLink() && sameFile(st, realSt));
      // A command's own directory may be reached through a symlink too: it is recorded at its real location.
      for (const e of entries) await add(join(realpathSync(dirname(e.path)), basename(e.path)), e.stub, (st) => st.isSymbolicLink());

      this.ensure();
      const id = `${req.toolId}-${new Date(now()).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;
      const m: QuarantineManifest = {
        ...req,
        root: realRoot,
        entries,
        format: FORMAT,
        id,
        state: 'moving',
        quarantinedAt: new Date(now()).toISOString(),
        why: `${req.reason.en} (rule ${req.ruleId ?? '-'})`,
        moves,
      };
      mkdirSync(this.itemDir(id), { mode: 0o700 });
      this.write(m);
      try {
        await this.finishQuarantine(m, places);
      } catch (err) {
        // A partial failure rolls back: whatever moved goes back, stubs go, the item is discarded.
        try {
          await this.rollBack(m, places);
        } catch (rollbackErr) {
          throw new Error(`${(err as Error).message}; rolling back also failed: ${(rollbackErr as Error).message} (item ${id} kept for recovery)`, { cause: rollbackErr });
        }
        throw err;
      }
      return m;
    } finally {
      for (const p of places.values()) p.dir.close();
    }
  }

  /** The place of each move: the one opened when it was checked, or (in recovery) opened now. */
  private place(mv: QuarantineMove, places: Map<string, Place> | undefined, opened: Place[], createParents = false): Place {
    const known = places?.get(mv.payload);
    if (known) return known;
    const p: Place = { ...openPlace(mv.from, createParents), checked: mv.inode };
    opened.push(p);
    return p;
  }

  private payloadDir(m: QuarantineManifest, create: boolean): PinnedDir | null {
    const path = join(this.itemDir(m.id), 'payload');
    if (create) mkdirSync(path, { recursive: true, mode: 0o700 });
    else if (!existsSync(path)) return null;
    return PinnedDir.trusted(path);
  }

  private async finishQuarantine(m: QuarantineManifest, places?: Map<string, Place>): Promise<void> {
    const payload = this.payloadDir(m, true)!;
    const opened: Place[] = [];
    try {
      if (m.state === 'moving') {
        for (const mv of m.moves) {
          payload.removeTree(`${mv.payload}.partial`);
          const place = this.place(mv, places, opened);
          if (payload.lstat(mv.payload)) {
            if (await holdsMoved(payload, mv)) {
              // Moved already. A cross-device move may have stopped before removing the original: remove it only
              // if it is still exactly the original (anything else now at that name is someone's, and stays).
              place.dir.removeTree(`${place.name}.cordon-removing`);
              if (place.dir.lstat(place.name) && !this.isOurStub(place, m.id) && (await matchesAt(place.dir, place.name, mv.files))) removeCopied(place.dir, place.name);
              continue;
            }
            // A swapped-in entry a crash left in the payload: it is not the tool, so the tool was never moved.
            returnForeign(payload, mv.payload, place);
          }
          await moveExact(place, payload, mv.payload, mv.files);
        }
        m.state = 'stubbing';
        this.write(m);
      }
      if (m.state === 'stubbing') {
        for (const mv of m.moves) {
          if (!mv.stub) continue;
          const place = this.place(mv, places, opened);
          if (!place.dir.lstat(place.name)) this.writeStub(m, mv, place);
        }
        m.state = 'done';
        this.write(m);
      }
    } finally {
      payload.close();
      for (const p of opened) p.dir.close();
    }
  }

  /**
   * Writes the stub under a temporary name created O_CREAT|O_EXCL|O_NOFOLLOW in the pinned directory, sets its
   * owner and mode on the fd, then hard-links it in (link never replaces: a name taken meanwhile is left alone).
   */
  private writeStub(m: QuarantineManifest, mv: QuarantineMove, place: Place): void {
    const text = stubScript({ quarantineId: m.id, toolId: m.toolId, toolName: m.toolName, reason: m.reason, moreInfoUrl: m.moreInfoUrl, exceptionUrl: m.exceptionUrl });
    const tmp = stubTempName(place.name);
    if (this.isOurStub({ ...place, name: tmp }, m.id)) place.dir.unlink(tmp); // left by a crash
    const fd = openSync(place.dir.at(tmp), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.from(text, 'utf8');
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      const owner = mv.files[0];
      if (owner && isRoot()) fchownSync(fd, owner.uid, owner.gid);
      fchmodSync(fd, 0o755);
      fsyncSync(fd);
      const ours = fstatSync(fd);
      try {
        linkSync(place.dir.at(tmp), place.dir.at(place.name));
      } finally {
        const left = place.dir.lstat(tmp);
        if (left && sameFile(left, ours)) place.dir.unlink(tmp);
      }
      fsyncSync(place.dir.fd);
    } finally {
      closeSync(fd);
    }
  }

  private isOurStub(place: Place, id: string): boolean {
    const st = place.dir.lstat(place.name);
    if (!st?.isFile() || st.size >= 16_384) return false;
    const text = place.dir.readSmall(place.name, 16_384);
    return text !== null && isStubFor(text, id);
  }

  /** Puts every moved path back (used when quarantine fails part-way); removes the item. */
  private async rollBack(m: QuarantineManifest, places?: Map<string, Place>): Promise<void> {
    await this.putBack(m, places);
  }

  /**
   * Restores an item: checks every payload file against the manifest, refuses to overwrite anything that is not
   * Cordon's own stub, then moves everything back with its modes, owners and symlinks and removes the stubs.
   */
  restore(id: string): Promise<QuarantineManifest> {
    if (isRoot() && !pinnedDirsAvailable()) return Promise.reject(new Error('restore as root needs /proc/self/fd (Linux); move the files back by hand'));
    return this.locked(() => this.restoreLocked(id));
  }

  private async restoreLocked(id: string): Promise<QuarantineManifest> {
    const m = this.read(id);
    if (!m) throw new Error(`no quarantined item "${id}" in ${this.dir} (see cordon quarantine list)`);
    if (m.state !== 'done') throw new Error(`item ${id} is ${m.state}; run recovery first (the agent does at start)`);
    const payload = this.payloadDir(m, false);
    if (!payload) throw new Error(`quarantined item ${id} has no payload; nothing was restored`);
    try {
      for (const mv of m.moves) {
        const problems = compareSnapshots(mv.files, await snapshotAt(payload, mv.payload));
        if (problems.length) throw new Error(`quarantined copy of ${mv.from} was altered (${problems.slice(0, 3).join('; ')}); nothing was restored`);
        let place: Place;
        try {
          place = openPlace(mv.from);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a parent is gone: putBack recreates it
          throw new Error(`a parent directory of ${mv.from} is not a real directory (${(err as Error).message}); nothing was restored`, { cause: err });
        }
        try {
          if (place.dir.lstat(place.name) && !this.isOurStub(place, id)) throw new Error(`${mv.from} exists and is not Cordon's stub; move it away, then restore again`);
        } finally {
          place.dir.close();
        }
      }
    } finally {
      payload.close();
    }
    m.state = 'restoring';
    this.write(m);
    await this.putBack(m);
    return m;
  }

  /** Roll-forward of a restore (and roll-back of a quarantine): idempotent per move. */
  private async putBack(m: QuarantineManifest, places?: Map<string, Place>): Promise<void> {
    const payload = this.payloadDir(m, false);
    const opened: Place[] = [];
    try {
      for (const mv of [...m.moves].reverse()) {
        if (!payload) break;
        payload.removeTree(`${mv.payload}.partial`);
        payload.removeTree(`${mv.payload}.cordon-removing`);
        if (!payload.lstat(mv.payload)) continue; // never moved, or already back
        // The original's parent may have gone meanwhile (an npx cache cleared): recreated, owned like its parent.
        const place = this.place(mv, places, opened, true);
        const { dir, name } = place;
        const partialBack = `${name}.cordon-restore.partial`;
        // An original set aside for removal exists only once its copy (the payload) is complete: finish removing it.
        dir.removeTree(`${name}.cordon-removing`);
        dir.removeTree(partialBack);
        if (this.isOurStub({ dir, name: stubTempName(name) }, m.id)) dir.unlink(stubTempName(name));
        if (this.isOurStub(place, m.id)) dir.unlink(name);
        if (!(await holdsMoved(payload, mv))) {
          // Not the tool (a swapped-in entry a crash left in the payload): it goes back, the tool was never moved.
          returnForeign(payload, mv.payload, place);
          continue;
        }
        if (dir.lstat(name)) {
          // Back already (a copy-back finished, or the original was never removed): the payload is the spare.
          if (!(await matchesAt(dir, name, mv.files))) throw new Error(`${mv.from} exists and is not what was quarantined; the quarantined copy stays in ${join(this.itemDir(m.id), 'payload', mv.payload)}`);
          removeCopied(payload, mv.payload);
          continue;
        }
        let acrossFileSystems = false;
        try {
          payload.rename(mv.payload, dir, name);
          fsyncSync(dir.fd);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          acrossFileSystems = true;
        }
        if (acrossFileSystems) {
          const copied = copyTreeAt(payload, mv.payload, dir, partialBack, mv.files);
          dir.rename(partialBack, dir, name);
          fsyncSync(dir.fd);
          const now = dir.lstat(name);
          if (!now || !sameFile(now, copied)) throw new Error(`${mv.from} was replaced while being restored; the quarantined copy stays in the store`);
          removeCopied(payload, mv.payload);
        }
      }
    } finally {
      payload?.close();
      for (const p of opened) p.dir.close();
    }
    rmSync(this.itemDir(m.id), { recursive: true, force: true });
    syncDirectory(this.dir);
  }

  /** Finishes or rolls back whatever a crash interrupted. Run before the first pass. */
  recover(): Promise<RecoveryReport> {
    if (!existsSync(this.dir)) return Promise.resolve({ completed: [], restored: [], rolledBack: [], discarded: [], problems: [] });
    return this.locked(() => this.recoverLocked());
  }

  private async recoverLocked(): Promise<RecoveryReport> {
    const report: RecoveryReport = { completed: [], restored: [], rolledBack: [], discarded: [], problems: [] };
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return report;
    }
    for (const name of names) {
      if (!/^[a-z0-9-]+$/.test(name)) continue;
      const m = this.read(name);
      if (!m) {
        // The manifest is written before anything moves: without one, nothing of the tool is here.
        if (!existsSync(join(this.dir, name, 'payload'))) {
          rmSync(join(this.dir, name), { recursive: true, force: true });
          report.discarded.push(name);
        } else report.problems.push(`${name}: payload without a manifest; left for inspection`);
        continue;
      }
      try {
        if (m.state === 'moving' || m.state === 'stubbing') {
          try {
            await this.finishQuarantine(m);
            report.completed.push(m.id);
          } catch (err) {
            await this.rollBack(m);
            report.rolledBack.push(m.id);
            report.problems.push(`${m.id}: could not finish quarantine (${(err as Error).message}); rolled back`);
          }
        } else if (m.state === 'restoring') {
          await this.putBack(m);
          report.restored.push(m.id);
        }
      } catch (err) {
        report.problems.push(`${m.id}: ${(err as Error).message}`);
      }
    }
    return report;
  }
}
