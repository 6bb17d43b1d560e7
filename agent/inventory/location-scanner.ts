// Reads install locations by their shape and asks the policy core which files are AI CLIs. Produces one
// finding per installed copy: the tool's root (the package, venv, keg or binary that *is* the tool) and its
// entry points (the commands people type, which quarantine replaces with a stub). Never follows a symlinked
// directory, never descends into a project's node_modules, never walks a network mount.
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { Identification, ToolIdentifier } from '../../policy/index.ts';
import { GlobSet } from '../../policy/path-glob.ts';
import { hashUserFile, readUserText } from '../../policy/user-file-reader.ts';
import { dirStamp, fileStamp, type InventoryCache } from './inventory-cache.ts';
import type { InstallLocation } from './install-locations.ts';
import type { MountFilter } from './mount-filter.ts';
import type { UserHome } from './user-homes.ts';

export interface Finding {
  toolId: string;
  /** The directory or file that is the installed tool; what quarantine moves. */
  root: string;
  /** Commands elsewhere that resolve into the root (PREFIX/bin/claude → …); `stub` ones get a stub when quarantined. */
  entries: { path: string; stub: boolean }[];
  via: string;
  user?: string;
  evidence: string;
  detail: string;
  version?: string;
}

export interface ScanBudget {
  maxMs: number;
  maxEntries: number;
}

export interface ScanStats {
  locations: number;
  dirsRead: number;
  dirsReused: number;
  entries: number;
  identified: number;
  verdictsReused: number;
  hashed: number;
  skippedMounts: number;
  complete: boolean;
}

class BudgetExceeded extends Error {}

// Directories a home sweep never enters: VCS internals, project dependency trees (global installs are read as
// locations), and caches that hold nothing runnable.
export const SWEEP_PRUNE: ReadonlySet<string> = new Set(['node_modules', '.git', '.hg', '.svn', '.cache', '.npm', '.pnpm-store', '.rustup', '.cargo', '.gradle', '.m2', '.Trash', 'Trash', 'Caches', '.venv', 'venv', '__pycache__', 'proc']);
const SWEEP_DEPTH = 8;
const YIELD_EVERY_MS = 10;
// The matcher hashes files up to this size itself; inventory hashes bigger executables up to MAX_HASH_BYTES.
const HOT_HASH_LIMIT = 8 * 1024 * 1024;
const MAX_HASH_BYTES = 1024 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 1_000_000;

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function safeLstat(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function safeStat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function safeRealpath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

export class LocationScanner {
  readonly findings = new Map<string, Finding>();
  readonly stats: ScanStats = { locations: 0, dirsRead: 0, dirsReused: 0, entries: 0, identified: 0, verdictsReused: 0, hashed: 0, skippedMounts: 0, complete: true };
  private readonly homeGlobs: GlobSet<{ toolId: string; glob: string }>;
  private readonly hints: Set<string>;
  private readonly deadline: number;
  private readonly scanned = new Set<string>();
  private readonly hasHashes: boolean;
  private lastYield = Date.now();
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly identifier: ToolIdentifier,
    tools: readonly { id: string; signatures: { paths?: readonly string[]; executables?: readonly string[]; sha256?: readonly unknown[] } }[],
    homes: readonly UserHome[],
    private readonly cache: InventoryCache,
    private readonly mounts: MountFilter,
    private readonly budget: ScanBudget,
    /** Never read: the agent's own state (its quarantine store holds tools on purpose). */
    private readonly excluded: readonly string[] = [],
  ) {
    // The catalog's `~` globs, expanded for each actual home (homes need not live under /home).
    const globs: { glob: string; value: { toolId: string; glob: string } }[] = [];
    for (const t of tools)
      for (const g of t.signatures.paths ?? []) {
        if (g.startsWith('~/')) for (const h of homes) globs.push({ glob: `${h.home}${g.slice(1)}`, value: { toolId: t.id, glob: `${h.home}${g.slice(1)}` } });
        else globs.push({ glob: g, value: { toolId: t.id, glob: g } });
      }
    this.homeGlobs = new GlobSet(globs);
    this.hints = new Set(tools.flatMap((t) => t.signatures.executables ?? []));
    this.hasHashes = tools.some((t) => (t.signatures.sha256?.length ?? 0) > 0);
    this.deadline = Date.now() + budget.maxMs;
  }

  /** Scans locations (non-command directories first, so commands attach to the tools they point into). */
  async scan(locations: readonly InstallLocation[], sweep: readonly UserHome[]): Promise<void> {
    const ordered = [...locations.filter((l) => l.shape !== 'bin'), ...locations.filter((l) => l.shape === 'bin')];
    try {
      for (const loc of ordered) {
        if (this.mounts.skips(loc.dir)) {
          this.stats.skippedMounts++;
          continue;
        }
        if (!safeStat(loc.dir)?.isDirectory()) continue;
        this.stats.locations++;
        this.scanned.add(loc.dir);
        await this.read(loc);
      }
      for (const u of sweep) await this.sweep(u);
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
      this.stats.complete = false;
    }
  }

  /**
   * Re-identifies a tool's root straight from the disk (no cache), right before quarantine touches it: the root's
   * install location, its package.json, its Homebrew keg, a module in its site-packages, or the file itself.
   */
  verify(root: string): string | null {
    const st = safeLstat(root);
    if (!st || st.isSymbolicLink()) return null;
    const byLocation = this.locationMatch(root);
    if (byLocation) return byLocation.toolId;
    if (st.isFile()) return this.identifier.identifyFile(root, 'script')?.toolId ?? null;
    if (safeLstat(join(root, 'package.json'))?.isFile()) return this.identifier.identifyFile(join(root, 'package.json'), 'script')?.toolId ?? null;
    const byPath = this.identifier.identifyFile(root, 'native');
    if (byPath) return byPath.toolId;
    for (const py of (() => {
      try {
        return readdirSync(join(root, 'lib'));
      } catch {
        return [];
      }
    })()) {
      const sp = join(root, 'lib', py, 'site-packages');
      let mods: string[];
      try {
        mods = readdirSync(sp);
      } catch {
        continue;
      }
      for (const mod of mods) {
        const id = this.identifier.identifyFile(join(sp, mod), 'script');
        if (id) return id.toolId;
      }
    }
    return null;
  }

  private tick(n = 1): void {
    this.stats.entries += n;
    if (this.stats.entries > this.budget.maxEntries || ((this.stats.entries & 1023) === 0 && Date.now() > this.deadline)) throw new BudgetExceeded();
  }

  private read(loc: InstallLocation): Promise<void> {
    switch (loc.shape) {
      case 'bin':
        return this.readBin(loc.dir, loc, true);
      case 'packages':
        return this.readPackages(loc.dir, loc);
      case 'node-modules-search':
        return this.searchNodeModules(loc.dir, loc, loc.depth ?? 2, loc.childPrefix);
      case 'venvs':
        return this.readVenvs(loc);
      case 'brew':
        return this.readBrew(loc);
      case 'tree':
        return this.readTree(loc.dir, loc, loc.depth ?? 3);
    }
  }

  /** A directory's entries, from the cache when its inode and mtime are unchanged. */
  /** `kind` names the filter: the same directory read by two shapes keeps two cached listings. */
  private async list(dir: string, kind: string, keep: (d: Dirent) => 'dir' | 'file' | null): Promise<{ dirs: string[]; files: string[] }> {
    await this.breathe();
    if (this.excluded.some((x) => isInside(dir, x))) return { dirs: [], files: [] };
    const st = safeStat(dir);
    if (!st?.isDirectory()) return { dirs: [], files: [] };
    const stamp = dirStamp(st);
    const key = `${kind}\u0000${dir}`;
    const cached = this.cache.dir(key, stamp);
    if (cached) {
      this.stats.dirsReused++;
      this.tick(cached.dirs.length + cached.files.length);
      return cached;
    }
    let dirents: Dirent[];
    try {
      dirents = readdirSync(dir, { withFileTypes: true });
    } catch {
      return { dirs: [], files: [] };
    }
    this.stats.dirsRead++;
    this.tick(dirents.length);
    const rec = { stamp, dirs: [] as string[], files: [] as string[] };
    for (const d of dirents) {
      const k = keep(d);
      if (k === 'dir') rec.dirs.push(d.name);
      else if (k === 'file') rec.files.push(d.name);
    }
    this.cache.setDir(key, rec);
    return rec;
  }

  /** The verdict for one path, reused while the path (and what it resolves to) is unchanged. */
  // Every file is judged as a script (the superset: console-script imports as well as binary markers), so one
  // cached verdict per path holds whichever location reaches it.
  private async identify(path: string): Promise<Identification | null> {
    const link = safeLstat(path);
    if (!link) return null;
    const target = link.isSymbolicLink() ? safeStat(path) : link;
    const stamp = fileStamp(link, target);
    const cached = this.cache.verdict(path, stamp);
    if (cached) {
      this.stats.verdictsReused++;
      return cached.toolId ? { toolId: cached.toolId, evidence: cached.evidence as Identification['evidence'], detail: cached.detail ?? '', file: cached.file } : null;
    }
    this.stats.identified++;
    const found = this.locationMatch(path) ?? this.identifier.identifyFile(path, 'script') ?? (link.isSymbolicLink() ? this.locationMatch(safeRealpath(path)) : null) ?? (await this.byHash(path, target));
    this.cache.setVerdict(path, found ? { stamp, toolId: found.toolId, evidence: found.evidence, detail: found.detail, file: found.file } : { stamp, toolId: null });
    return found;
  }

  /** Lets the agent's process guard run: a pass gives the event loop back every few milliseconds. */
  private async breathe(): Promise<void> {
    if (Date.now() - this.lastYield < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = Date.now();
  }

  /**
   * Large executables no cheaper evidence identifies are hashed whole, off the matcher's hot path, and compared
   * with the catalog's known SHA-256s (a renamed copy of a native build that has no byte markers).
   */
  private async byHash(path: string, target: Stats | null): Promise<Identification | null> {
    if (!this.hasHashes || !target?.isFile() || target.size <= HOT_HASH_LIMIT || target.size > MAX_HASH_BYTES) return null;
    if (process.platform !== 'win32' && (target.mode & 0o111) === 0) return null;
    // Copies and hard links of one big binary are common (a cask, a versions/ dir, a bin link): hash each inode once.
    const inode = `${target.dev}:${target.ino}:${target.size}:${target.mtimeMs}`;
    let sha = this.hashes.get(inode);
    if (sha === undefined) {
      // A bin entry is usually a link to the binary: its target is what runs, so it is followed.
      const digest = await hashUserFile(path, MAX_HASH_BYTES, { followLinks: true });
      if (digest === null) return null;
      sha = digest;
      this.hashes.set(inode, sha);
      this.stats.hashed++;
    }
    const toolId = this.identifier.toolForSha256(sha);
    return toolId ? { toolId, evidence: 'sha256', detail: sha, file: path } : null;
  }

  private locationMatch(path: string | null): Identification | null {
    if (!path) return null;
    const m = this.homeGlobs.match(path);
    return m ? { toolId: m.value.toolId, evidence: 'install-location', detail: m.value.glob, file: path } : null;
  }

  /** The tool's root from where its evidence lies: the package, venv, keg, installer dir, or the file itself. */
  private rootOf(id: Identification, path: string, loc: InstallLocation): string {
    const file = id.file ?? safeRealpath(path) ?? path;
    switch (id.evidence) {
      case 'npm-package': {
        // The outermost catalogued package: a platform package nested in the main one belongs to it.
        const re = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/g;
        for (let m = re.exec(file); m; m = re.exec(file)) if (this.identifier.npmPackages.has(m[1]!)) return file.slice(0, m.index + m[0].length);
        return file;
      }
      case 'install-location': {
        const glob = id.detail;
        if (glob.endsWith('/**')) return glob.slice(0, -3);
        return file;
      }
      case 'homebrew': {
        const m = /^(.*\/(?:Cellar|Caskroom)\/[^/]+)/.exec(file);
        return m?.[1] ?? file;
      }
      case 'package-manifest': {
        const m = /\((.*)\/package\.json\)$/.exec(id.detail);
        return m?.[1] ?? file;
      }
      case 'python-module': {
        if (loc.shape === 'venvs') return join(loc.dir, file.slice(loc.dir.length + 1).split('/')[0]!);
        const m = /^(.*\/(?:site|dist)-packages\/[^/.]+)/.exec(file);
        return m?.[1] ?? file;
      }
      default:
        return file;
    }
  }

  private record(id: Identification, path: string, loc: InstallLocation): void {
    // A command that resolves into a tool already found is that tool's entry point, not a second install.
    const real = safeRealpath(path) ?? path;
    for (const f of this.findings.values()) {
      if (f.toolId === id.toolId && isInside(real, f.root) && !isInside(path, f.root)) {
        if (!f.entries.some((e) => e.path === path)) f.entries.push({ path, stub: loc.shape === 'bin' });
        return;
      }
      if (isInside(real, f.root) && isInside(path, f.root)) return;
    }
    let root = this.rootOf(id, path, loc);
    const entries: Finding['entries'] = [];
    // pnpm links node_modules/<pkg> to its store copy inside the same tree: the copy is the tool, the link an entry.
    const rootLink = safeLstat(root);
    if (rootLink?.isSymbolicLink()) {
      const realRoot = safeRealpath(root);
      if (realRoot && isInside(realRoot, loc.dir)) {
        entries.push({ path: root, stub: false });
        root = realRoot;
      }
    }
    if (path !== root && !isInside(path, root) && safeLstat(path)?.isSymbolicLink() && isInside(real, root)) entries.push({ path, stub: loc.shape === 'bin' });
    const existing = this.findings.get(root);
    if (existing) {
      for (const e of entries) if (!existing.entries.some((x) => x.path === e.path)) existing.entries.push(e);
      return;
    }
    this.findings.set(root, { toolId: id.toolId, root, entries, via: loc.via, user: loc.user, evidence: id.evidence, detail: id.detail, version: versionOf(root, id) });
  }

  private async readBin(dir: string, loc: InstallLocation, executablesOnly: boolean): Promise<void> {
    const { files } = await this.list(dir, 'bin', (d) => (d.isDirectory() ? null : 'file'));
    for (const name of files) {
      const path = join(dir, name);
      const st = safeStat(path);
      if (!st?.isFile()) continue;
      if (executablesOnly && process.platform !== 'win32' && (st.mode & 0o111) === 0) continue;
      const id = await this.identify(path);
      if (id) this.record(id, path, loc);
    }
  }

  private async readPackages(dir: string, loc: InstallLocation): Promise<void> {
    const { dirs } = await this.list(dir, 'packages', (d) => (d.isDirectory() || d.isSymbolicLink() ? 'dir' : null));
    for (const name of dirs) {
      if (name === '.bin') continue;
      const pkgDir = join(dir, name);
      if (name.startsWith('@')) {
        const scoped = await this.list(pkgDir, 'packages', (d) => (d.isDirectory() || d.isSymbolicLink() ? 'dir' : null));
        for (const child of scoped.dirs) await this.readPackage(join(pkgDir, child), loc);
      } else await this.readPackage(pkgDir, loc);
    }
    if (basename(dir) === 'node_modules') await this.readBin(join(dir, '.bin'), { ...loc, shape: 'bin' }, false);
  }

  private async readPackage(pkgDir: string, loc: InstallLocation): Promise<void> {
    const manifest = join(pkgDir, 'package.json');
    const id = await this.identify(manifest);
    if (id) this.record(id, manifest, loc);
  }

  private async searchNodeModules(dir: string, loc: InstallLocation, depth: number, childPrefix?: string): Promise<void> {
    if (depth < 0) return;
    const { dirs } = await this.list(dir, `search:${childPrefix ?? ''}`, (d) => (d.isDirectory() && (!childPrefix || d.name.startsWith(childPrefix) || d.name === 'node_modules') ? 'dir' : null));
    for (const name of dirs) {
      const child = join(dir, name);
      if (name === 'node_modules') await this.readPackages(child, loc);
      else if (!name.startsWith('.') || name === '.pnpm') await this.searchNodeModules(child, loc, depth - 1);
    }
  }

  private async readVenvs(loc: InstallLocation): Promise<void> {
    const venvs = await this.list(loc.dir, 'dirs', (d) => (d.isDirectory() ? 'dir' : null));
    for (const venv of venvs.dirs) {
      const venvDir = join(loc.dir, venv);
      const byLocation = this.locationMatch(venvDir);
      if (byLocation) {
        this.record(byLocation, venvDir, loc);
        continue;
      }
      for (const lib of ['lib', 'Lib']) {
        const libDir = join(venvDir, lib);
        const pythons = lib === 'Lib' ? ['.'] : (await this.list(libDir, 'pythons', (d) => (d.isDirectory() && d.name.startsWith('python') ? 'dir' : null))).dirs;
        for (const py of pythons) {
          const sp = join(libDir, py, 'site-packages');
          const modules = await this.list(sp, 'modules', (d) => (d.isDirectory() && !/\.(dist|egg)-info$|^__pycache__$|^_/.test(d.name) ? 'dir' : null));
          for (const mod of modules.dirs) {
            const id = await this.identify(join(sp, mod));
            if (id) this.record(id, join(sp, mod), loc);
          }
        }
      }
    }
  }

  private async readBrew(loc: InstallLocation): Promise<void> {
    const { dirs } = await this.list(loc.dir, 'dirs', (d) => (d.isDirectory() ? 'dir' : null));
    for (const name of dirs) {
      const keg = join(loc.dir, name);
      const id = await this.identify(keg);
      if (id) this.record(id, keg, loc);
    }
  }

  /** Installer and application directories: location globs on directories, signatures on executables. */
  private async readTree(dir: string, loc: InstallLocation, depth: number): Promise<void> {
    const { dirs, files } = await this.list(dir, 'tree', (d) => (d.isDirectory() ? 'dir' : d.isFile() || d.isSymbolicLink() ? 'file' : null));
    for (const name of files) {
      const path = join(dir, name);
      const st = safeStat(path);
      if (!st?.isFile() || (process.platform !== 'win32' && (st.mode & 0o111) === 0 && name !== 'package.json')) continue;
      const id = await this.identify(path);
      if (id) this.record(id, path, loc);
    }
    for (const name of dirs) {
      const child = join(dir, name);
      if (this.mounts.skips(child)) {
        this.stats.skippedMounts++;
        continue;
      }
      const byLocation = this.locationMatch(child);
      if (byLocation) {
        this.record(byLocation, child, loc);
        continue;
      }
      if (name === 'node_modules') await this.readPackages(child, loc);
      else if (depth > 0) await this.readTree(child, loc, depth - 1);
    }
  }

  /**
   * A bounded walk of a home for what the locations miss: a package copied out of node_modules (its
   * package.json), or a catalogued command name somewhere unusual (then verified by content).
   */
  private async sweep(u: UserHome): Promise<void> {
    const walk = async (dir: string, depth: number): Promise<void> => {
      const { dirs, files } = await this.list(dir, 'sweep', (d) => {
        if (d.isDirectory()) return SWEEP_PRUNE.has(d.name) ? null : 'dir';
        if ((d.isFile() || d.isSymbolicLink()) && (d.name === 'package.json' || this.hints.has(d.name))) return 'file';
        return null;
      });
      for (const name of files) {
        const path = join(dir, name);
        if (name !== 'package.json') {
          const st = safeStat(path);
          if (!st?.isFile() || (st.mode & 0o111) === 0) continue;
        }
        const id = await this.identify(path);
        if (id) this.record(id, path, { dir: u.home, shape: 'tree', via: 'home', user: u.user, home: u.home });
      }
      if (depth <= 0) return;
      for (const name of dirs) {
        const child = join(dir, name);
        if (this.scanned.has(child)) continue;
        if (this.mounts.skips(child)) {
          this.stats.skippedMounts++;
          continue;
        }
        await walk(child, depth - 1);
      }
    };
    if (!this.mounts.skips(u.home)) await walk(u.home, SWEEP_DEPTH);
  }
}

/** The installed version, where the install says it: package.json, the keg's version dir, a dist-info, a versions/ file. */
function versionOf(root: string, id: Identification): string | undefined {
  try {
    if (id.evidence === 'npm-package' || id.evidence === 'package-manifest') {
      const manifest = readUserText(join(root, 'package.json'), MAX_MANIFEST_BYTES);
      const v = manifest && (JSON.parse(manifest.text) as { version?: unknown }).version;
      return typeof v === 'string' ? v : undefined;
    }
    if (id.evidence === 'homebrew') return readdirSync(root).filter((n) => !n.startsWith('.')).sort().at(-1);
    if (/\/versions\/[^/]+$/.test(root)) return basename(root);
    const lib = join(root, 'lib');
    for (const py of readdirSync(lib)) {
      for (const n of readdirSync(join(lib, py, 'site-packages'))) {
        const m = /^(.+)-([^-]+)\.dist-info$/.exec(n);
        if (m && m[1]!.toLowerCase().replace(/[-_.]+/g, '-') === basename(root).toLowerCase().replace(/[-_.]+/g, '-')) return m[2];
      }
    }
  } catch {
    // no version recorded where we looked
  }
  return undefined;
}
