// Answers "which AI CLI is this file / process?" from signatures, cheapest evidence first:
// path shape (no I/O) → package manifest (cached per directory) → content markers (cached per inode).
// File names alone are never evidence: `vim CLAUDE.md`, `grep codex` or a script named `q` stay untouched.
import { createHash } from 'node:crypto';
import type { CompiledTool } from './compiled-policy.ts';
import { elfSections, type ElfSection } from './elf-sections.ts';
import { builtWith, type Toolchain } from './elf-toolchain.ts';
import type { FileProbe, FileStat } from './file-probe.ts';
import { interpreterKind, interpreterTarget, pythonLauncherPackage, stripVersion, type InterpreterKind } from './interpreter-argv.ts';
import { interpreterByContent } from './interpreter-content.ts';
import { GlobSet } from './path-glob.ts';
import type { Identification, ProcessObservation } from './process-observation.ts';

interface MarkerSet {
  toolId: string;
  region: 'head' | 'tail' | 'section';
  section?: string;
  windowBytes: number;
  /** Each marker in UTF-8 and UTF-16LE: Bun stores a bundle that has any non-Latin-1 character as UTF-16. */
  needles: Buffer[][];
  /** How many needles must occur (all of them unless the entry says fewer). */
  atLeast: number;
}

/**
 * Where a process's files are read from. The kernel's `/proc/<pid>/exe` is the file that actually runs (even
 * replaced or deleted on disk, or in another mount namespace); `root` prefixes paths the process names when its
 * mount namespace differs from the agent's (private /tmp, containers, `unshare -m`).
 */
export interface ProcessView {
  exe: string;
  root: string;
}

/** How a file is read: `root` prefixes its paths, `content` is the file to read, `runBy` the uid running it. */
interface FileView {
  root: string;
  content?: string;
  runBy?: number;
}

const MAX_MANIFEST_DEPTH = 8;
const CONTENT_CACHE_LIMIT = 50_000;
const INTERPRETER_CACHE_LIMIT = 10_000;
const VERDICT_CACHE_LIMIT = 50_000;
const PY_SCRIPT_HEAD = 2048;
// Hashing on the hot path only for small files (custom tools' scripts); big binaries are hashed by inventory.
const MAX_HOT_HASH_BYTES = 8 * 1024 * 1024;

export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}

function dirname(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** `/proc/pid/exe` of a replaced file reads "/path (deleted)". */
function stripDeleted(path: string): string {
  return path.endsWith(' (deleted)') ? path.slice(0, -' (deleted)'.length) : path;
}

/** The npm package a path lies in, from its last `node_modules/` segment; no I/O. */
export function npmPackageFromPath(path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const rest = path.slice(at + '/node_modules/'.length);
  const first = rest.indexOf('/');
  if (first < 0) return undefined;
  if (rest.startsWith('@')) {
    const second = rest.indexOf('/', first + 1);
    return second < 0 ? undefined : rest.slice(0, second);
  }
  return rest.slice(0, first);
}

function pythonModuleFromPath(path: string): string | undefined {
  for (const marker of ['/site-packages/', '/dist-packages/']) {
    const at = path.lastIndexOf(marker);
    if (at < 0) continue;
    const rest = path.slice(at + marker.length);
    const end = rest.search(/[/.]/);
    return end < 0 ? rest : rest.slice(0, end);
  }
  return undefined;
}

function homebrewFromPath(path: string): { kind: 'formula' | 'cask'; name: string } | undefined {
  for (const [marker, kind] of [['/Cellar/', 'formula'], ['/Caskroom/', 'cask']] as const) {
    const at = path.indexOf(marker);
    if (at < 0) continue;
    const rest = path.slice(at + marker.length);
    const end = rest.indexOf('/');
    return { kind, name: end < 0 ? rest : rest.slice(0, end) };
  }
  return undefined;
}

/** PyPI names compare case-insensitively with -, _ and . folded (PEP 503). */
function normalizePypi(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export class ToolIdentifier {
  private readonly npm = new Map<string, string>();
  private readonly pyModules = new Map<string, string>();
  private readonly pyDists = new Map<string, string>();
  private readonly brewFormulae = new Map<string, string>();
  private readonly brewCasks = new Map<string, string>();
  private readonly hashes = new Map<string, string>();
  private readonly subcommands = new Map<string, { args: readonly string[]; toolId: string }[]>();
  private readonly locations: GlobSet<string>;
  /** Install locations other programs share: they count only for a file not built with `notBuiltWith`. */
  private readonly sharedLocations: GlobSet<{ toolId: string; glob: string; notBuiltWith: readonly Toolchain[]; builtWith: readonly Toolchain[] }>;
  private readonly markers: MarkerSet[] = [];
  private readonly headWindow: number;
  private readonly tailWindow: number;
  private readonly contentCache = new Map<string, Identification | null>();
  private readonly verdictCache = new Map<string, Identification | null>();
  private readonly interpreterCache = new Map<string, InterpreterKind | null>();
  /** library or adapter id → the tool it runs */
  private readonly embedded = new Map<string, string>();
  /** tool id → package-relative entry scripts (what an unscoped package name must run to count, below) */
  private readonly entryScripts = new Map<string, ReadonlySet<string>>();

  constructor(
    tools: readonly CompiledTool[],
    private readonly probe: FileProbe,
    /** Count every marker of a set that matched (catalog:verify reports k of n); the agent stops at `atLeast`. */
    private readonly countAllMarkers = false,
  ) {
    const globs: { glob: string; value: string }[] = [];
    const shared: { glob: string; value: { toolId: string; glob: string; notBuiltWith: readonly Toolchain[]; builtWith: readonly Toolchain[] } }[] = [];
    for (const tool of tools) {
      if (tool.embeds) this.embedded.set(tool.id, tool.embeds);
      const s = tool.signatures;
      if (s.entryScripts?.length) this.entryScripts.set(tool.id, new Set(s.entryScripts));
      for (const name of s.npm ?? []) this.npm.set(name, tool.id);
      for (const m of s.pypi?.modules ?? []) this.pyModules.set(m, tool.id);
      for (const d of s.pypi?.packages ?? []) this.pyDists.set(normalizePypi(d), tool.id);
      for (const f of s.homebrew?.formulae ?? []) this.brewFormulae.set(f, tool.id);
      for (const c of s.homebrew?.casks ?? []) this.brewCasks.set(c, tool.id);
      for (const h of s.sha256 ?? []) this.hashes.set(h.sha256, tool.id);
      for (const g of s.paths ?? []) globs.push({ glob: g, value: tool.id });
      for (const p of s.sharedPaths ?? []) shared.push({ glob: p.glob, value: { toolId: tool.id, glob: p.glob, notBuiltWith: p.notBuiltWith ?? [], builtWith: p.builtWith ?? [] } });
      for (const rule of s.argv ?? []) {
        const list = this.subcommands.get(rule.executable) ?? [];
        list.push({ args: rule.args, toolId: tool.id });
        this.subcommands.set(rule.executable, list);
      }
      for (const m of s.markers ?? [])
        this.markers.push({
          toolId: tool.id,
          region: m.region,
          section: m.section,
          windowBytes: m.windowBytes,
          needles: m.all.map((t) => [Buffer.from(t, 'utf8'), Buffer.from(t, 'utf16le')]),
          atLeast: Math.min(m.atLeast ?? m.all.length, m.all.length),
        });
    }
    this.locations = new GlobSet(globs);
    this.sharedLocations = new GlobSet(shared);
    this.headWindow = Math.max(0, ...this.markers.filter((m) => m.region === 'head').map((m) => m.windowBytes));
    this.tailWindow = Math.max(0, ...this.markers.filter((m) => m.region === 'tail').map((m) => m.windowBytes));
  }

  /**
   * Identifies a process from its executable and argv. Interpreters (known by name or, renamed, by content) are
   * judged by what they run, never themselves. With a `view`, file evidence is read as the process sees it.
   */
  identifyProcess(obs: ProcessObservation, view?: ProcessView): Identification | null {
    return this.attribute(this.identifyProcessAs(obs, view));
  }

  /** What a library or adapter's signatures found is the tool it runs, reached via that library. */
  private attribute(found: Identification | null): Identification | null {
    const runs = found && this.embedded.get(found.toolId);
    return found && runs ? { ...found, toolId: runs, via: found.toolId } : found;
  }

  private identifyProcessAs(obs: ProcessObservation, view?: ProcessView): Identification | null {
    const exe = obs.exe === null ? null : stripDeleted(obs.exe);
    const base = basename(exe ?? obs.argv[0] ?? '');

    const subs = this.subcommands.get(base);
    if (subs) {
      for (const s of subs) if (s.args.every((a, i) => obs.argv[i + 1] === a)) return { toolId: s.toolId, evidence: 'subcommand', detail: `${base} ${s.args.join(' ')}` };
    }

    const launched = pythonLauncherPackage(base, obs.argv);
    if (launched !== undefined) return this.launcher(launched, base);

    let kind = interpreterKind(base);
    if (!kind && exe) {
      const native = this.identifyFileAs(exe, 'native', { root: view?.root ?? '', content: view?.exe, runBy: obs.uid });
      if (native) return native;
      kind = this.interpreterOfFile(view?.exe ?? exe);
      if (!kind) return null;
    }
    if (kind) {
      const target = interpreterTarget(kind, obs.argv);
      if (target.launchedPackage) {
        const hit = this.launcher(target.launchedPackage, base);
        if (hit) return hit;
      }
      if (target.module) {
        const toolId = this.pyModules.get(target.module);
        return toolId ? { toolId, evidence: 'python-module', detail: `python -m ${target.module}` } : null;
      }
      if (!target.script) return null;
      let script = target.script;
      if (!script.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(script)) {
        const cwd = obs.cwd?.();
        if (!cwd) return null;
        script = `${cwd}/${script}`;
      }
      return this.identifyFileAs(script, 'script', { root: view?.root ?? '', runBy: obs.uid });
    }
    return null;
  }

  /**
   * True when the catalog tells programs by this name apart by their arguments — interpreters, Python launchers,
   * hosts of catalogued subcommands — so a process running it must be looked at after its exec, not only its file.
   */
  dependsOnArguments(basename: string): boolean {
    const name = basename.toLowerCase().replace(/\.exe$/, '');
    return interpreterKind(basename) !== undefined || this.subcommands.has(basename) || name === 'uvx' || name === 'uv' || name === 'pipx';
  }

  /** node or python when the file is that interpreter under another name; cached per inode. */
  interpreterOfFile(path: string): InterpreterKind | undefined {
    const st = this.probe.stat(path);
    if (!st || !st.isFile) return undefined;
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const cached = this.interpreterCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const kind = interpreterByContent((offset, length) => this.probe.readAt(path, offset, length), st.size) ?? null;
    if (this.interpreterCache.size >= INTERPRETER_CACHE_LIMIT) this.interpreterCache.clear();
    this.interpreterCache.set(key, kind);
    return kind ?? undefined;
  }

  private launcher(spec: string, via: string): Identification | null {
    const name = stripVersion(spec);
    const toolId = this.npm.get(name) ?? this.pyDists.get(normalizePypi(name));
    return toolId ? { toolId, evidence: 'launcher', detail: `${via} ${name}` } : null;
  }

  /**
   * Identifies an executable or script on disk. The path as given is checked first (a symlink such as
   * ~/.local/bin/claude is itself an install location), then its real path and content. A `view` reads the
   * file as a process sees it: `root` prefixes its paths, `content` is the file to read (e.g. /proc/<pid>/exe).
   */
  identifyFile(path: string, kind: 'native' | 'script', view?: { root: string; content?: string }): Identification | null {
    return this.attribute(this.identifyFileAs(path, kind, view));
  }

  private identifyFileAs(path: string, kind: 'native' | 'script', view?: FileView): Identification | null {
    const given = path.includes('\\') ? path.replace(/\\/g, '/') : path;
    const root = view?.root ?? '';
    const readable = view?.content ?? `${root}${given}`;
    const st = this.probe.stat(readable);
    // A file that is not there (or not readable) can still be judged by where it claims to be.
    if (!st || !st.isFile) return this.fromPath(given);
    // Verdicts are cached per path *and* file identity (and who runs it: manifests count only from trusted owners).
    const key = `${given}\u0000${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.uid}\u0000${view?.runBy ?? ''}`;
    const cached = this.verdictCache.get(key);
    if (cached !== undefined) return cached;
    const found = this.identifyUncached(given, kind, st, root, readable, view?.runBy);
    if (this.verdictCache.size >= VERDICT_CACHE_LIMIT) this.verdictCache.clear();
    this.verdictCache.set(key, found);
    return found;
  }

  private identifyUncached(given: string, kind: 'native' | 'script', st: FileStat, root: string, readable: string, runBy: number | undefined): Identification | null {
    const byPath = this.fromPath(given);
    if (byPath) return byPath;
    // realpath resolves absolute links in the agent's namespace, so under a foreign root it is not asked.
    const real = root === '' ? this.probe.realpath(given) : null;
    if (real && real !== given) {
      const byRealPath = this.fromPath(real);
      if (byRealPath) return byRealPath;
    }
    const file = real ?? given;
    const manifest = this.fromManifest(file, root, this.trustedOwners(file, root, st, runBy));
    if (manifest) return manifest;
    const content = this.fromContent(readable === `${root}${given}` && real ? real : readable, kind, st);
    if (content) return { ...content, file };
    // Weakest: a location another program installs to as well, once the file's toolchain does not rule it out.
    return this.fromSharedLocation(given, readable, st) ?? (real && real !== given ? this.fromSharedLocation(real, readable, st) : null);
  }

  private fromPath(path: string): Identification | null {
    const pkg = npmPackageFromPath(path);
    if (pkg) {
      const toolId = this.npm.get(pkg);
      if (toolId) return { toolId, evidence: 'npm-package', detail: pkg, file: path };
    }
    const mod = pythonModuleFromPath(path);
    if (mod) {
      const toolId = this.pyModules.get(mod);
      if (toolId) return { toolId, evidence: 'python-module', detail: mod, file: path };
    }
    const brew = homebrewFromPath(path);
    if (brew) {
      const toolId = (brew.kind === 'cask' ? this.brewCasks : this.brewFormulae).get(brew.name);
      if (toolId) return { toolId, evidence: 'homebrew', detail: `${brew.kind} ${brew.name}`, file: path };
    }
    const loc = this.locations.match(path);
    if (loc) return { toolId: loc.value, evidence: 'install-location', detail: loc.glob, file: path };
    return null;
  }

  /**
   * A location another program installs to as well: the file there is the tool only when its toolchain fits
   * (built with what the tool is built with, and not with what the other programs there are built with).
   */
  private fromSharedLocation(path: string, readable: string, st: FileStat): Identification | null {
    const loc = this.sharedLocations.match(path);
    if (!loc) return null;
    const read = (offset: number, length: number) => this.probe.readAt(readable, offset, length);
    const { notBuiltWith, builtWith: required } = loc.value;
    if (notBuiltWith.some((t) => builtWith(t, read, st.size))) return null;
    if (required.length > 0 && !required.some((t) => builtWith(t, read, st.size))) return null;
    const why = [...(required.length ? [`a ${required.join('/')} binary`] : []), ...(notBuiltWith.length ? [`not a ${notBuiltWith.join('/')} binary`] : [])].join(', ');
    return { toolId: loc.value.toolId, evidence: 'install-location', detail: `${loc.value.glob} (${why})`, file: path };
  }

  /**
   * Whose package.json may speak for a file: root's, the file owner's (whoever can write the file decides what it
   * does anyway) and the running user's. Not another user's: in a shared writable tree (/opt/<team>, /srv) anyone
   * can drop a manifest above someone else's program. A package.json judged by itself speaks for its directory,
   * so there the directory's owner takes the file owner's place.
   */
  private trustedOwners(file: string, root: string, st: FileStat, runBy: number | undefined): ReadonlySet<number> {
    const owners = new Set([0]);
    if (runBy !== undefined) owners.add(runBy);
    if (basename(file) !== 'package.json') owners.add(st.uid);
    else {
      const dirOwner = this.probe.stat(`${root}${dirname(file)}`)?.uid;
      if (dirOwner !== undefined) owners.add(dirOwner);
    }
    return owners;
  }

  /** A package copied or unpacked outside node_modules still carries its package.json (if a trusted owner's). */
  private fromManifest(path: string, root: string, trusted: ReadonlySet<number>): Identification | null {
    let dir = dirname(path);
    for (let depth = 0; depth < MAX_MANIFEST_DEPTH && dir !== '/'; depth++) {
      const manifest = this.probe.packageManifest(`${root}${dir}`);
      // Another user's manifest is not there as far as this file is concerned: the search goes on above it.
      const name = manifest && trusted.has(manifest.uid) ? manifest.name : null;
      if (name !== null) {
        const toolId = this.npm.get(name);
        // The nearest named package owns the file; an unrelated one means "not a catalogued tool".
        if (!toolId) return null;
        // `npm init -y` in a folder called openclaw names the user's own project "openclaw": an unscoped name
        // counts only for one of the tool's own entry scripts.
        const entries = this.entryScripts.get(toolId);
        if (!name.startsWith('@') && entries && !entries.has(path.slice(dir.length + 1))) return null;
        return { toolId, evidence: 'package-manifest', detail: `${name} (${dir}/package.json)`, file: path };
      }
      if (dir.endsWith('/node_modules')) break;
      dir = dirname(dir);
    }
    return null;
  }

  /** Renamed or copied binaries and scripts: byte markers, console-script imports, small-file hashes. */
  private fromContent(path: string, kind: 'native' | 'script', st: FileStat): Identification | null {
    if (this.markers.length === 0 && this.pyModules.size === 0 && this.hashes.size === 0) return null;
    // Content is the same for every hard link and copy: cache it per inode, not per path.
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const cached = this.contentCache.get(key);
    if (cached !== undefined) return cached && { ...cached, file: path };
    const found = this.scanContent(path, kind, st.size);
    if (this.contentCache.size >= CONTENT_CACHE_LIMIT) this.contentCache.clear();
    this.contentCache.set(key, found);
    return found && { ...found, file: path };
  }

  private scanContent(path: string, kind: 'native' | 'script', size: number): Identification | null {
    if (this.hashes.size > 0 && size <= MAX_HOT_HASH_BYTES) {
      const whole = this.probe.read(path, 'head', size);
      if (whole && whole.length === size) {
        const sha = createHash('sha256').update(whole).digest('hex');
        const toolId = this.hashes.get(sha);
        if (toolId) return { toolId, evidence: 'sha256', detail: sha };
      }
    }
    const head = this.headWindow || kind === 'script' ? this.probe.read(path, 'head', Math.max(this.headWindow, PY_SCRIPT_HEAD)) : null;
    if (kind === 'script' && head) {
      const mod = pythonEntryModule(head);
      const toolId = mod ? this.pyModules.get(mod) : undefined;
      if (toolId) return { toolId, evidence: 'python-module', detail: `console script importing ${mod}` };
    }
    const tail = this.tailWindow ? this.probe.read(path, 'tail', this.tailWindow) : null;
    let sections: ElfSection[] | null | undefined;
    const sectionWindows = new Map<string, Buffer[]>();
    for (const m of this.markers) {
      let windows: Buffer[];
      if (m.region === 'section') {
        sections ??= elfSections((offset, length) => this.probe.readAt(path, offset, length), size);
        windows = this.sectionWindows(path, sections, m, sectionWindows);
      } else {
        const buf = m.region === 'head' ? head : tail;
        if (!buf) continue;
        windows = [m.region === 'head' ? buf.subarray(0, m.windowBytes) : buf.subarray(Math.max(0, buf.length - m.windowBytes))];
      }
      if (windows.length === 0) continue;
      let found = 0;
      for (const forms of m.needles) if (forms.some((n) => windows.some((w) => w.includes(n))) && ++found >= m.atLeast && !this.countAllMarkers) break;
      if (found >= m.atLeast) {
        const where = m.region === 'section' ? `section ${m.section}` : m.region;
        return { toolId: m.toolId, evidence: 'binary-marker', detail: `${found} of ${m.needles.length} markers in ${where} ${m.windowBytes} bytes` };
      }
    }
    return null;
  }

  /** The first and last `windowBytes` of an ELF section (the whole section when it is small), read once per scan. */
  private sectionWindows(path: string, sections: ElfSection[] | null, m: MarkerSet, memo: Map<string, Buffer[]>): Buffer[] {
    const key = `${m.section}\u0000${m.windowBytes}`;
    const known = memo.get(key);
    if (known) return known;
    const s = sections?.find((x) => x.name === m.section);
    const windows: Buffer[] = [];
    if (s && s.size > 0) {
      if (s.size <= 2 * m.windowBytes) {
        const all = this.probe.readAt(path, s.offset, s.size);
        if (all) windows.push(all);
      } else {
        const first = this.probe.readAt(path, s.offset, m.windowBytes);
        const last = this.probe.readAt(path, s.offset + s.size - m.windowBytes, m.windowBytes);
        if (first) windows.push(first);
        if (last) windows.push(last);
      }
    }
    memo.set(key, windows);
    return windows;
  }

  /** The tool a full-file SHA-256 belongs to (inventory hashes large binaries off the hot path). */
  toolForSha256(sha256: string): string | undefined {
    return this.hashes.get(sha256);
  }

  /** npm package name → tool id, for inventory's walk of package directories. */
  get npmPackages(): ReadonlyMap<string, string> {
    return this.npm;
  }
}

/** The module a pip/pipx/uv console script imports its entry point from: `from aider.main import main`. */
export function pythonEntryModule(head: Buffer): string | undefined {
  if (head[0] !== 0x23 /* # */ || head[1] !== 0x21 /* ! */) return undefined;
  const text = head.toString('utf8');
  const firstLine = text.slice(0, text.indexOf('\n'));
  if (!/python/i.test(firstLine)) return undefined;
  return /^from ([A-Za-z_][A-Za-z0-9_]*)[.\w]* import /m.exec(text)?.[1];
}
