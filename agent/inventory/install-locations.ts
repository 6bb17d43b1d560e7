// Where AI CLIs get installed, per user and per machine, as directories with a shape that says how to read
// them. The list is facts about package managers and installers; which files there are tools is decided by the
// policy core's signatures, never here.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readUserText } from '../../policy/user-file-reader.ts';
import type { UserHome } from './user-homes.ts';

/**
 * - `bin`: a directory of commands (PATH entries, PREFIX/bin, ~/.local/bin); every executable is inspected.
 * - `packages`: a node_modules-like directory whose children (and @scope/children) are packages.
 * - `node-modules-search`: a cache holding many node_modules trees (`_npx/<hash>/node_modules`); searched to `depth`.
 * - `venvs`: a directory of Python virtual environments (pipx, `uv tool`), one tool per child.
 * - `brew`: a Homebrew Cellar or Caskroom, one formula/cask per child.
 * - `tree`: an installer or application directory, walked to `depth`.
 */
export type LocationShape = 'bin' | 'packages' | 'node-modules-search' | 'venvs' | 'brew' | 'tree';

export interface InstallLocation {
  dir: string;
  shape: LocationShape;
  /** How a tool found here was installed, as reported (`npm-global`, `npx-cache`, `pipx`, …). */
  via: string;
  user?: string;
  home?: string;
  depth?: number;
  /** Only children whose name starts with this (bunx's per-package dirs in the temp dir). */
  childPrefix?: string;
}

export interface LocationOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Install-location globs from the catalog (`~/.claude/local/**`); their literal prefix is searched. */
  catalogGlobs?: readonly string[];
}

function children(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `prefix=` from an .npmrc: npm's global prefix when the user moved it (`npm config set prefix ~/.npm-global`). */
function npmrcPrefix(file: string, home: string): string | undefined {
  // Followed when a link: dotfile managers link ~/.npmrc into a repository; the target is the user's setting.
  const text = readUserText(file, 64 * 1024, { followLinks: true })?.text;
  if (text === undefined) return undefined;
  const m = /^\s*prefix\s*=\s*(.+?)\s*$/m.exec(text);
  if (!m?.[1]) return undefined;
  const value = m[1].replace(/^["']|["']$/g, '').replace(/^~(?=\/|$)/, home).replace(/\$\{?HOME\}?/g, home);
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) ? value : undefined;
}

/** The directory part of a glob before its first wildcard segment, and how deep the rest may reach. */
export function globLiteralPrefix(glob: string): { dir: string; rest: number; recursive: boolean } {
  const parts = glob.split('/');
  const wild = parts.findIndex((p) => p.includes('*'));
  if (wild < 0) return { dir: parts.slice(0, -1).join('/') || '/', rest: 1, recursive: false };
  return { dir: parts.slice(0, wild).join('/') || '/', rest: parts.length - wild, recursive: parts.slice(wild).includes('**') };
}

function npmPrefix(prefix: string, via: string, platform: NodeJS.Platform, user?: UserHome): InstallLocation[] {
  const owner = user ? { user: user.user, home: user.home } : {};
  // Unix: PREFIX/lib/node_modules + PREFIX/bin; Windows: PREFIX/node_modules + shims in PREFIX itself.
  if (platform === 'win32')
    return [
      { dir: join(prefix, 'node_modules'), shape: 'packages', via, ...owner },
      { dir: prefix, shape: 'bin', via, ...owner },
    ];
  return [
    { dir: join(prefix, 'lib', 'node_modules'), shape: 'packages', via, ...owner },
    { dir: join(prefix, 'bin'), shape: 'bin', via, ...owner },
  ];
}

/** Locations inside one user's home. */
export function userInstallLocations(u: UserHome, options: LocationOptions = {}): InstallLocation[] {
  const platform = options.platform ?? process.platform;
  const h = u.home;
  const at = (dir: string, shape: LocationShape, via: string, extra: Partial<InstallLocation> = {}): InstallLocation => ({ dir, shape, via, user: u.user, home: h, ...extra });
  const out: InstallLocation[] = [];

  // npm global prefixes a user owns: a moved prefix, and every Node version of nvm, fnm, asdf, volta.
  const prefixes = new Set<string>([join(h, '.npm-global'), join(h, '.local'), join(h, '.npm-packages')]);
  const rc = npmrcPrefix(join(h, '.npmrc'), h);
  if (rc) prefixes.add(rc);
  for (const v of children(join(h, '.nvm', 'versions', 'node'))) prefixes.add(join(h, '.nvm', 'versions', 'node', v));
  for (const base of [join(h, '.fnm', 'node-versions'), join(h, '.local', 'share', 'fnm', 'node-versions'), join(h, 'Library', 'Application Support', 'fnm', 'node-versions')])
    for (const v of children(base)) prefixes.add(join(base, v, 'installation'));
  for (const v of children(join(h, '.asdf', 'installs', 'nodejs'))) prefixes.add(join(h, '.asdf', 'installs', 'nodejs', v));
  for (const v of children(join(h, '.volta', 'tools', 'image', 'node'))) prefixes.add(join(h, '.volta', 'tools', 'image', 'node', v));
  if (platform === 'win32') prefixes.add(join(h, 'AppData', 'Roaming', 'npm'));
  for (const p of prefixes) out.push(...npmPrefix(p, 'npm-global', platform, u));
  // Volta installs each global package into its own image.
  out.push(at(join(h, '.volta', 'tools', 'image', 'packages'), 'node-modules-search', 'volta', { depth: 4 }));

  // Caches that run a package without installing it: npx, pnpm dlx, bun's package cache.
  out.push(at(join(h, '.npm', '_npx'), 'node-modules-search', 'npx-cache', { depth: 2 }));
  if (platform === 'win32') out.push(at(join(h, 'AppData', 'Local', 'npm-cache', '_npx'), 'node-modules-search', 'npx-cache', { depth: 2 }));
  for (const d of [join(h, '.cache', 'pnpm', 'dlx'), join(h, 'Library', 'Caches', 'pnpm', 'dlx'), join(h, 'AppData', 'Local', 'pnpm-cache', 'dlx')])
    out.push(at(d, 'node-modules-search', 'pnpm-dlx', { depth: 3 }));
  out.push(at(join(h, '.bun', 'install', 'cache'), 'packages', 'bun-cache'));

  // pnpm, yarn and bun global installs.
  for (const d of [join(h, '.local', 'share', 'pnpm'), join(h, 'Library', 'pnpm'), join(h, 'AppData', 'Local', 'pnpm')]) {
    out.push(at(join(d, 'global'), 'node-modules-search', 'pnpm-global', { depth: 2 }));
    out.push(at(d, 'bin', 'pnpm-global'));
  }
  out.push(at(join(h, '.config', 'yarn', 'global', 'node_modules'), 'packages', 'yarn-global'));
  out.push(at(join(h, 'AppData', 'Local', 'Yarn', 'Data', 'global', 'node_modules'), 'packages', 'yarn-global'));
  out.push(at(join(h, '.yarn', 'bin'), 'bin', 'yarn-global'));
  out.push(at(join(h, '.bun', 'install', 'global', 'node_modules'), 'packages', 'bun-global'));
  out.push(at(join(h, '.bun', 'bin'), 'bin', 'bun-global'));

  // Python tools: pipx venvs and `uv tool` environments, console scripts in ~/.local/bin.
  for (const d of [join(h, '.local', 'pipx', 'venvs'), join(h, '.local', 'share', 'pipx', 'venvs'), join(h, 'Library', 'Application Support', 'pipx', 'venvs'), join(h, 'pipx', 'venvs')])
    out.push(at(d, 'venvs', 'pipx'));
  for (const d of [join(h, '.local', 'share', 'uv', 'tools'), join(h, 'AppData', 'Roaming', 'uv', 'tools')]) out.push(at(d, 'venvs', 'uv-tool'));

  // A user-level Homebrew on Linux.
  out.push(at(join(h, '.linuxbrew', 'Cellar'), 'brew', 'homebrew'), at(join(h, '.linuxbrew', 'Caskroom'), 'brew', 'homebrew'), at(join(h, '.linuxbrew', 'bin'), 'bin', 'homebrew'));

  // Personal command directories.
  for (const d of ['.local/bin', 'bin', '.cargo/bin', '.deno/bin', '.volta/bin']) out.push(at(join(h, d), 'bin', 'user-bin'));

  // Per-OS application directories.
  if (platform === 'darwin') out.push(at(join(h, 'Applications'), 'tree', 'application', { depth: 1 }));
  if (platform === 'win32') out.push(at(join(h, 'AppData', 'Local', 'Programs'), 'tree', 'application', { depth: 3 }));

  // Native installers, from the catalog: ~/.claude/local/**, ~/.local/share/claude/versions/*, ~/.opencode/bin/opencode…
  for (const glob of options.catalogGlobs ?? []) {
    if (!glob.startsWith('~/')) continue;
    const { dir, rest, recursive } = globLiteralPrefix(join(h, glob.slice(2)));
    out.push(at(dir, 'tree', 'native-installer', { depth: recursive ? 6 : rest }));
  }
  return out;
}

/** Locations shared by every user: system prefixes, Homebrew, application folders, the agent's own PATH. */
export function machineInstallLocations(options: LocationOptions = {}): InstallLocation[] {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const out: InstallLocation[] = [];
  const prefixes = new Set<string>();
  if (platform !== 'win32') for (const p of ['/usr/local', '/usr', '/opt/homebrew', '/home/linuxbrew/.linuxbrew']) prefixes.add(p);
  // The prefix of the Node running the agent (a system Node installed from a tarball under /opt, say).
  prefixes.add(platform === 'win32' ? dirname(process.execPath) : dirname(dirname(process.execPath)));
  for (const p of prefixes) out.push(...npmPrefix(p, 'npm-global', platform, undefined));
  for (const brew of ['/opt/homebrew', '/usr/local', '/home/linuxbrew/.linuxbrew'])
    out.push({ dir: join(brew, 'Cellar'), shape: 'brew', via: 'homebrew' }, { dir: join(brew, 'Caskroom'), shape: 'brew', via: 'homebrew' });
  // bunx runs packages from $TMPDIR/bunx-<uid>-<pkg>@<version>/node_modules.
  out.push({ dir: tmpdir(), shape: 'node-modules-search', via: 'bunx-cache', depth: 1, childPrefix: 'bunx-' });
  if (platform === 'darwin') out.push({ dir: '/Applications', shape: 'tree', via: 'application', depth: 1 });
  if (platform === 'win32') {
    for (const d of [env.ProgramFiles, env['ProgramFiles(x86)']]) if (d) out.push({ dir: d, shape: 'tree', via: 'application', depth: 2 });
  }
  if (platform === 'linux') out.push({ dir: '/opt', shape: 'tree', via: 'application', depth: 3 });
  for (const glob of options.catalogGlobs ?? []) {
    if (!glob.startsWith('/')) continue;
    const { dir, rest, recursive } = globLiteralPrefix(glob);
    out.push({ dir, shape: 'tree', via: 'native-installer', depth: recursive ? 6 : rest });
  }
  const sep = platform === 'win32' ? ';' : ':';
  for (const d of (env.PATH ?? env.Path ?? '').split(sep)) if (d && (d.startsWith('/') || /^[A-Za-z]:[\\/]/.test(d))) out.push({ dir: d, shape: 'bin', via: 'path' });
  return out;
}

/** Every location for these homes, de-duplicated by directory and shape (first listed wins). */
export function installLocations(homes: readonly UserHome[], options: LocationOptions = {}): InstallLocation[] {
  const seen = new Set<string>();
  const out: InstallLocation[] = [];
  for (const loc of [...homes.flatMap((u) => userInstallLocations(u, options)), ...machineInstallLocations(options)]) {
    const key = `${loc.shape}\u0000${loc.dir.replace(/\/+$/, '')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(loc);
  }
  return out;
}
