// A package tarball from the npm registry, fetched once into a cache and checked against an integrity we pinned
// (the registry's own dist.integrity, recorded in package-lock.json or beside the pin): a release never builds
// from bytes nobody reviewed, and a second build needs no network.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface PinnedTarball {
  name: string;
  version: string;
  /** sha512-<base64>, as npm's dist.integrity. */
  integrity: string;
}

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The verified tarball's path in cacheDir, fetched with `npm pack` when it is not there yet. */
export function verifiedTarball(pin: PinnedTarball, cacheDir: string): string {
  const file = join(cacheDir, `${pin.name.replace(/^@/, '').replace('/', '-')}-${pin.version}.tgz`);
  if (!existsSync(file)) {
    const staging = join(cacheDir, `.staging-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // npm pack itself checks the download against the registry's dist.integrity.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', staging, `${pin.name}@${pin.version}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { filename: string }[];
    renameSync(join(staging, packed[0]!.filename), file);
    rmSync(staging, { recursive: true, force: true });
  }
  const actual = integrityOf(file);
  if (actual !== pin.integrity) {
    rmSync(file, { force: true });
    throw new Error(`${pin.name}@${pin.version}: integrity ${actual} is not the pinned ${pin.integrity}; the cached tarball was removed`);
  }
  return file;
}

/** Extracts one member (a path under package/) of a tarball to dest. */
export function extractMember(tarball: string, member: string, dest: string): void {
  const dir = `${dest}.extract-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', dir, `package/${member}`]);
  renameSync(join(dir, 'package', member), dest);
  rmSync(dir, { recursive: true, force: true });
}
