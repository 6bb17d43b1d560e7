// The real AI CLIs from the npm registry, installed once per machine into global-npm-shaped prefixes
// (PREFIX/lib/node_modules/PKG, PREFIX/bin/NAME → symlink), exactly as `npm install -g` lays them out on a
// developer's workstation. Shared by the agent, inventory and quarantine tests, and the benchmarks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withInstallLock } from './install-lock.ts';

/** Pinned so that a test run is reproducible; the versions the catalog was verified against. */
export const REAL_CLIS = {
  'claude-code': { pkg: '@anthropic-ai/claude-code', version: '2.1.197', bin: 'claude', postinstall: 'install.cjs' },
  codex: { pkg: '@openai/codex', version: '0.169.0', bin: 'codex' },
  'gemini-cli': { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
  'qwen-code': { pkg: '@qwen-code/qwen-code', version: '0.15.10', bin: 'qwen' },
  opencode: { pkg: 'opencode-ai', version: '1.18.33', bin: 'opencode', postinstall: 'postinstall.mjs' },
} as const satisfies Record<string, { pkg: string; version: string; bin: string; postinstall?: string }>;

export type RealCliId = keyof typeof REAL_CLIS;

export interface InstalledCli {
  id: RealCliId;
  /** The global prefix: PREFIX/bin holds the launcher symlink, PREFIX/lib/node_modules the package. */
  prefix: string;
  /** PREFIX/bin/NAME, the command a developer types. */
  bin: string;
  /** PREFIX/lib/node_modules/PKG */
  packageDir: string;
}

/** Where installs are cached between runs; CORDON_REAL_CLI_CACHE overrides. */
export const REAL_CLI_CACHE = process.env.CORDON_REAL_CLI_CACHE ?? join(tmpdir(), 'cordon-real-clis');

/**
 * Installs (or reuses) one real CLI. npm's own install scripts are skipped (npm 11 blocks them anyway) and the
 * package's postinstall, where the package needs one to lay out its native binary, is run explicitly: it is the
 * vendor's own code doing what it does on every workstation.
 */
export function installRealCli(id: RealCliId): InstalledCli {
  return { ...installNpmGlobal(id, REAL_CLIS[id]), id };
}

/** Any npm package, pinned, installed globally into its own cached prefix the same way (`key` names the prefix). */
export function installNpmGlobal(key: string, spec: { pkg: string; version: string; bin: string; postinstall?: string }): Omit<InstalledCli, 'id'> {
  const prefix = join(REAL_CLI_CACHE, `${key}@${spec.version}`);
  const result = {
    prefix,
    bin: join(prefix, 'bin', spec.bin),
    packageDir: join(prefix, 'lib', 'node_modules', ...spec.pkg.split('/')),
  };
  const complete = () => existsSync(join(prefix, '.complete'));
  if (complete()) return result;
  mkdirSync(REAL_CLI_CACHE, { recursive: true });
  // Test files running side by side wait for one install rather than each downloading the same package.
  withInstallLock(`${prefix}.lock`, complete, () => installInto(prefix, spec));
  return result;
}

function installInto(prefix: string, spec: { pkg: string; version: string; postinstall?: string }): void {
  // Build in a staging dir and rename into place, so a run killed half-way never leaves a broken cache entry.
  const staging = `${prefix}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  execFileSync('npm', ['install', '-g', '--prefix', staging, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${spec.pkg}@${spec.version}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (spec.postinstall) {
    const dir = join(staging, 'lib', 'node_modules', ...spec.pkg.split('/'));
    execFileSync(process.execPath, [spec.postinstall], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 5 * 60_000 });
  }
  writeFileSync(join(staging, '.complete'), `${spec.pkg}@${spec.version}\n`);
  try {
    renameSync(staging, prefix);
  } catch (err) {
    // Another test process finished the same install first: use theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(prefix, '.complete'))) throw err;
  }
}

/** The installed version, read from the package itself (proves the install is the real package). */
export function installedVersion(cli: InstalledCli): string {
  return (JSON.parse(readFileSync(join(cli.packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}
