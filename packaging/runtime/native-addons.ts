// Native addons the bundle cannot inline: @napi-rs/keyring's .node file for the target arch. It is copied beside
// the bundle under the name napi-rs's loader tries first (./keyring.<platform>.node, relative to the code that
// requires it), so it loads from the package and never from a node_modules the machine may or may not have.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractMember, verifiedTarball } from './npm-tarball.ts';
import { ARCH_NAMES, type TargetArch } from './target-arch.ts';

interface LockEntry {
  version: string;
  integrity: string;
}

/** Copies the keyring addon for arch into appDir; returns the file name placed there. */
export function placeKeyringAddon(repoRoot: string, arch: TargetArch, appDir: string): string {
  const napi = ARCH_NAMES[arch].napi;
  const name = `@napi-rs/keyring-${napi}`;
  const file = `keyring.${napi}.node`;
  const installed = join(repoRoot, 'node_modules', name, file);
  if (existsSync(installed)) {
    copyFileSync(installed, join(appDir, file));
    return file;
  }
  // Another arch than this machine's: the same version and integrity npm ci would install, from the lockfile.
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry) throw new Error(`package-lock.json has no ${name}: cannot build for ${arch}`);
  extractMember(verifiedTarball({ name, version: entry.version, integrity: entry.integrity }, join(repoRoot, 'build', 'node', 'cache')), file, join(appDir, file));
  return file;
}
