// Reversible quarantine: a verified tool's files are moved (never copied-and-forgotten, never deleted) into a
// store owned by the agent, with a manifest that records every file as it was, and a stub takes the place of
// each command. Every step is journaled in the manifest before it happens, and each step is idempotent, so a
// crash at any instant is finished by recover(): the tool ends up fully in place or fully in quarantine.
//
// Journal: (no manifest) nothing moved → 'moving' → 'stubbing' → 'done' → 'restoring' → (item gone).
// Moves are one rename each (same file system); across file systems a move is copy to `N.partial`, fsync,
// rename to `N` (the copy is now complete), then removal of the original — recovery resumes from any of these.
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../../policy/atomic-file.ts';
import type { LocalizedText } from '../../policy/index.ts';
import { isStubFor, stubScript } from './quarantine-stub.ts';
import { compareSnapshots, listTree, snapshotTree, type SnapshotEntry } from './tree-snapshot.ts';

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

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies a tree exactly as `files` describes it (modes, owners, times, symlinks, hard links); fsyncs every file. */
function copyTree(src: string, dst: string, files: readonly SnapshotEntry[]): void {
  const byRel = new Map(files.map((f) => [f.rel, f]));
  for (const { rel, path, st } of listTree(src)) {
    const to = rel ? join(dst, rel) : dst;
    const want = byRel.get(rel);
    if (st.isSymbolicLink()) symlinkSync(want?.target ?? '', to);
    else if (st.isDirectory()) mkdirSync(to, { mode: 0o700 });
    else if (want?.linkOf !== undefined) linkSync(want.linkOf ? join(dst, want.linkOf) : dst, to);
    else {
      copyFileSync(path, to);
      fsyncPath(to);
    }
  }
  // Owners and modes after the content, times last and children before parents so nothing bumps them again.
  for (const f of [...files].reverse()) {
    const to = f.rel ? join(dst, f.rel) : dst;
    if (isRoot()) (f.type === 'symlink' ? lchownSync : chownSync)(to, f.uid, f.gid);
    if (f.type === 'symlink') continue;
    chmodSync(to, f.mode);
    utimesSync(to, f.mtimeMs / 1000, f.mtimeMs / 1000);
  }
  syncDirectory(dirname(dst));
}

/**
 * Removes a tree that has a complete, checked copy elsewhere: renamed aside first (atomic), so the path is
 * always either the whole original or absent — never half-deleted. A leftover `.cordon-removing` is only ever
 * a fully copied original.
 */
function removeCopied(path: string): void {
  const aside = `${path}.cordon-removing`;
  renameSync(path, aside);
  syncDirectory(dirname(path));
  rmSync(aside, { recursive: true, force: true });
}

/** True when `path` holds exactly what `files` describes (content included). */
async function matches(path: string, files: readonly SnapshotEntry[]): Promise<boolean> {
  try {
    return compareSnapshots(files, await snapshotTree(path)).length === 0;
  } catch {
    return false;
  }
}

/**
 * Moves a file or tree to `to`. Same file system: one rename. Across file systems: copy to `to.partial`, check
 * the copy against `files`, rename it to `to` (the copy is now complete), then remove the original.
 */
async function moveExact(from: string, to: string, files: readonly SnapshotEntry[]): Promise<void> {
  try {
    renameSync(from, to);
    syncDirectory(dirname(to));
    syncDirectory(dirname(from));
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const partial = `${to}.partial`;
  rmSync(partial, { recursive: true, force: true });
  copyTree(from, partial, files);
  const problems = compareSnapshots(files, await snapshotTree(partial));
  if (problems.length) throw new Error(`copy of ${from} differs from the original: ${problems.slice(0, 3).join('; ')}`);
  renameSync(partial, to);
  syncDirectory(dirname(to));
  removeCopied(from);
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
    return this.locked(() => this.quarantineLocked(req, verify, now));
  }

  private async quarantineLocked(req: QuarantineRequest, verify: (root: string) => string | null, now: () => number): Promise<QuarantineManifest> {
    const rootSt = lstatSync(req.root);
    if (rootSt.isSymbolicLink()) throw new Error(`${req.root} is a symlink; only the tool's real files are quarantined`);
    const verified = verify(req.root);
    if (verified !== req.toolId) throw new Error(`${req.root} is not verified as ${req.toolId} (${verified ?? 'no match'}); nothing was moved`);
    // A prefix reached through a symlinked directory (~/.npm-global → ~/dotfiles/npm) is moved at its real
    // location, so a path component swapped for a symlink later can never redirect the move.
    const realRoot = realpathSync(req.root);
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
    const moves: QuarantineMove[] = [];
    moves.push({ from: realRoot, payload: '0', stub: stubRoot, files: await snapshotTree(realRoot) });
    for (const e of entries) moves.push({ from: e.path, payload: String(moves.length), stub: e.stub, files: await snapshotTree(e.path) });

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
      await this.finishQuarantine(m);
    } catch (err) {
      // A partial failure rolls back: whatever moved goes back, stubs go, the item is discarded.
      try {
        await this.rollBack(m);
      } catch (rollbackErr) {
        throw new Error(`${(err as Error).message}; rolling back also failed: ${(rollbackErr as Error).message} (item ${id} kept for recovery)`, { cause: rollbackErr });
      }
      throw err;
    }
    return m;
  }

  private async finishQuarantine(m: QuarantineManifest): Promise<void> {
    const payloadDir = join(this.itemDir(m.id), 'payload');
    if (m.state === 'moving') {
      mkdirSync(payloadDir, { recursive: true, mode: 0o700 });
      for (const mv of m.moves) {
        const to = join(payloadDir, mv.payload);
        rmSync(`${to}.partial`, { recursive: true, force: true });
        if (exists(to)) {
          // Moved already. A cross-device move may have stopped before removing the original: remove it only
          // if it is still exactly the original (anything else now at that path is someone's, and stays).
          rmSync(`${mv.from}.cordon-removing`, { recursive: true, force: true });
          if (exists(mv.from) && !this.isOurStub(mv.from, m.id) && (await matches(mv.from, mv.files))) removeCopied(mv.from);
          continue;
        }
        if (!exists(mv.from)) throw new Error(`${mv.from} vanished before it could be moved`);
        await moveExact(mv.from, to, mv.files);
      }
      m.state = 'stubbing';
      this.write(m);
    }
    if (m.state === 'stubbing') {
      for (const mv of m.moves) if (mv.stub && !exists(mv.from)) this.writeStub(m, mv);
      m.state = 'done';
      this.write(m);
    }
  }

  private writeStub(m: QuarantineManifest, mv: QuarantineMove): void {
    writeFileAtomic(mv.from, stubScript({ quarantineId: m.id, toolId: m.toolId, toolName: m.toolName, reason: m.reason, moreInfoUrl: m.moreInfoUrl, exceptionUrl: m.exceptionUrl }), 0o755);
    chmodSync(mv.from, 0o755);
    const owner = mv.files[0];
    if (owner && isRoot()) chownSync(mv.from, owner.uid, owner.gid);
  }

  private isOurStub(path: string, id: string): boolean {
    try {
      const st = lstatSync(path);
      return st.isFile() && st.size < 16_384 && isStubFor(readFileSync(path, 'utf8'), id);
    } catch {
      return false;
    }
  }

  /** Puts every moved path back (used when quarantine fails part-way); removes the item. */
  private async rollBack(m: QuarantineManifest): Promise<void> {
    await this.putBack(m);
  }

  /**
   * Restores an item: checks every payload file against the manifest, refuses to overwrite anything that is not
   * Cordon's own stub, then moves everything back with its modes, owners and symlinks and removes the stubs.
   */
  restore(id: string): Promise<QuarantineManifest> {
    return this.locked(() => this.restoreLocked(id));
  }

  private async restoreLocked(id: string): Promise<QuarantineManifest> {
    const m = this.read(id);
    if (!m) throw new Error(`no quarantined item "${id}" in ${this.dir} (see cordon quarantine list)`);
    if (m.state !== 'done') throw new Error(`item ${id} is ${m.state}; run recovery first (the agent does at start)`);
    const payloadDir = join(this.itemDir(id), 'payload');
    for (const mv of m.moves) {
      const problems = compareSnapshots(mv.files, await snapshotTree(join(payloadDir, mv.payload)));
      if (problems.length) throw new Error(`quarantined copy of ${mv.from} was altered (${problems.slice(0, 3).join('; ')}); nothing was restored`);
      if (exists(mv.from) && !this.isOurStub(mv.from, id)) throw new Error(`${mv.from} exists and is not Cordon's stub; move it away, then restore again`);
    }
    m.state = 'restoring';
    this.write(m);
    await this.putBack(m);
    return m;
  }

  /** Roll-forward of a restore (and roll-back of a quarantine): idempotent per move. */
  private async putBack(m: QuarantineManifest): Promise<void> {
    const payloadDir = join(this.itemDir(m.id), 'payload');
    for (const mv of [...m.moves].reverse()) {
      const payload = join(payloadDir, mv.payload);
      const partialBack = `${mv.from}.cordon-restore.partial`;
      rmSync(`${payload}.partial`, { recursive: true, force: true });
      rmSync(`${payload}.cordon-removing`, { recursive: true, force: true });
      if (!exists(payload)) continue; // never moved, or already back
      // An original set aside for removal exists only once its copy (the payload) is complete: finish removing it.
      rmSync(`${mv.from}.cordon-removing`, { recursive: true, force: true });
      rmSync(partialBack, { recursive: true, force: true });
      if (this.isOurStub(mv.from, m.id)) unlinkSync(mv.from);
      if (exists(mv.from)) {
        // Back already (a copy-back finished, or the original was never removed): the payload is the spare.
        if (!(await matches(mv.from, mv.files))) throw new Error(`${mv.from} exists and is not what was quarantined; the quarantined copy stays in ${payload}`);
        removeCopied(payload);
        continue;
      }
      // The original's parent may have gone meanwhile (an npx cache cleared): recreate it rather than fail.
      mkdirSync(dirname(mv.from), { recursive: true });
      try {
        renameSync(payload, mv.from);
        syncDirectory(dirname(mv.from));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        copyTree(payload, partialBack, mv.files);
        renameSync(partialBack, mv.from);
        syncDirectory(dirname(mv.from));
        removeCopied(payload);
      }
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
