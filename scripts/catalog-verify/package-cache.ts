// Real packages from the npm registry, unpacked once into a cache: CACHE/<name>@<version>/package/…
// Uses the ordinary client (`npm view`, `npm pack`) and the system tar; no install scripts run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CATALOG_VERIFY_CACHE = process.env.CORDON_CATALOG_CACHE ?? join(tmpdir(), 'cordon-catalog-verify');

/** Every published version of a package, oldest first (prereleases dropped unless `keep` accepts them). */
export function publishedVersions(pkg: string, keep: (v: string) => boolean = (v) => !v.includes('-')): string[] {
  const out = execFileSync('npm', ['view', pkg, 'versions', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const parsed: unknown = JSON.parse(out);
  const all = Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
  return all.filter(keep);
}

/** The latest and `older` more versions spread over the last `span` releases, newest first. */
export function pickVersions(versions: readonly string[], older: number, span = 30): string[] {
  const recent = versions.slice(-span);
  const picked = new Set<string>([recent[recent.length - 1] as string]);
  for (let i = 1; i <= older && recent.length > 1; i++) {
    const at = Math.max(0, recent.length - 1 - Math.round((i * (recent.length - 1)) / older));
    picked.add(recent[at] as string);
  }
  return [...picked];
}

/** Unpacks `pkg@version` (as `npm pack` fetches it) and returns the package directory. */
export function cachedPackage(pkg: string, version: string): string {
  const dir = join(CATALOG_VERIFY_CACHE, `${pkg.replace('/', '+')}@${version}`);
  const packageDir = join(dir, 'package');
  if (existsSync(join(dir, '.complete'))) return packageDir;
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', staging], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15 * 60_000 });
  const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${pkg}@${version} produced no tarball`);
  // Some packages' tarballs use a top folder other than "package/": normalise.
  const unpack = join(staging, 'unpack');
  mkdirSync(unpack);
  execFileSync('tar', ['xzf', join(staging, tarball), '-C', unpack, '--no-same-owner']);
  const [top] = readdirSync(unpack);
  if (!top) throw new Error(`${pkg}@${version}: empty tarball`);
  renameSync(join(unpack, top), join(staging, 'package'));
  rmSync(join(staging, tarball));
  rmSync(unpack, { recursive: true });
  writeFileSync(join(staging, '.complete'), `${pkg}@${version}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return packageDir;
}
