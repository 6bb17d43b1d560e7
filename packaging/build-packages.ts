// Builds the Linux packages into one directory: cordon-agent and cordon-server, each as .deb and .rpm, for one
// arch. Used by `npm run package` and by the systemd package test (which builds an upgrade too).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeb } from './linux/build-deb.ts';
import { buildRpm } from './linux/build-rpm.ts';
import { PACKAGES, type Compression, type PackageDefinition } from './linux/package-definitions.ts';
import { readNodeLicense, stagePackage, type PackageFormat } from './linux/stage-package.ts';
import { buildRuntime } from './runtime/build-runtime.ts';
import { verifiedTarball } from './runtime/npm-tarball.ts';
import { NODE_RUNTIME } from './runtime/node-runtime.ts';
import { ARCH_NAMES, type TargetArch } from './runtime/target-arch.ts';

export interface BuildPackagesOptions {
  repoRoot: string;
  outDir: string;
  arch: TargetArch;
  version: string;
  packages?: PackageDefinition['name'][];
  formats?: PackageFormat[];
  /** release: xz (.deb) and zstd -10 (.rpm); fast: gzip -1 (.deb: Debian accepts gzip, xz; not zstd) and zstd -1 (tests). */
  compression?: Compression;
}

export interface BuiltPackage {
  name: PackageDefinition['name'];
  format: PackageFormat;
  file: string;
  bytes: number;
}

export function packageFileName(name: string, version: string, arch: TargetArch, format: PackageFormat): string {
  return format === 'deb' ? `${name}_${version}_${ARCH_NAMES[arch].deb}.deb` : `${name}-${version}.${ARCH_NAMES[arch].rpm}.rpm`;
}

export async function buildPackages(o: BuildPackagesOptions): Promise<BuiltPackage[]> {
  const work = join(o.outDir, '.work', `${o.version}-${o.arch}`);
  mkdirSync(o.outDir, { recursive: true });
  const nodeLicense = readNodeLicense(verifiedTarball(NODE_RUNTIME[o.arch], join(o.repoRoot, 'build', 'node', 'cache')));
  const built: BuiltPackage[] = [];
  for (const def of Object.values(PACKAGES).filter((d) => !o.packages || o.packages.includes(d.name))) {
    const runtime = join(work, 'runtime', def.name);
    await buildRuntime(o.repoRoot, def.flavour, o.arch, runtime, o.version);
    for (const format of o.formats ?? (['deb', 'rpm'] as const)) {
      const root = join(work, 'stage', `${def.name}.${format}`);
      stagePackage({ repoRoot: o.repoRoot, def, format, runtimeDir: runtime, nodeLicense, version: o.version, root });
      const file = join(o.outDir, packageFileName(def.name, o.version, o.arch, format));
      if (format === 'deb') buildDeb({ repoRoot: o.repoRoot, def, root, version: o.version, debArch: ARCH_NAMES[o.arch].deb, outFile: file, compression: o.compression ?? 'release' });
      else buildRpm({ repoRoot: o.repoRoot, def, root, version: o.version, rpmArch: ARCH_NAMES[o.arch].rpm, workDir: join(work, 'rpmbuild', def.name), outFile: file, compression: o.compression ?? 'release' });
      built.push({ name: def.name, format, file, bytes: statSync(file).size });
    }
  }
  rmSync(work, { recursive: true, force: true });
  return built;
}
