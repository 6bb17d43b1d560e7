// An .rpm from a staged tree (the same files as the .deb; the unit under /usr/lib/systemd/system), built with
// rpmbuild from packaging/linux/rpm/package.spec. Config files are %config(noreplace).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fillTemplate } from './build-deb.ts';
import { installConfigsScript } from './config-scripts.ts';
import type { Compression, PackageDefinition } from './package-definitions.ts';
import { stagedFiles } from './stage-package.ts';

/** The directories this package owns: its own trees, not the shared system ones (/usr, /etc, …). */
function ownedDirs(def: PackageDefinition, files: string[]): string[] {
  const mine = [def.libDir, `/usr/share/doc/${def.name}`, `/usr/share/${def.libDir.split('/').pop()}`];
  const dirs = new Set<string>();
  for (const f of files) for (let d = dirname(f); d !== '/'; d = dirname(d)) if (mine.some((m) => d === m || d.startsWith(`${m}/`))) dirs.add(d);
  return [...dirs].sort();
}

export function buildRpm(o: { repoRoot: string; def: PackageDefinition; root: string; version: string; rpmArch: string; workDir: string; outFile: string; compression: Compression }): void {
  const files = stagedFiles(o.root);
  const config = new Map(o.def.files.filter((f) => f.config).map((f) => [f.to, f]));
  const lines = [
    ...ownedDirs(o.def, files).map((d) => `%dir %attr(0755,root,root) "${d}"`),
    ...files.map((f) => {
      const c = config.get(f);
      const mode = (lstatSync(join(o.root, f)).mode & 0o7777).toString(8).padStart(4, '0');
      return c ? `%config(noreplace) %attr(${mode},root,root) "${f}"` : `%attr(${mode},root,root) "${f}"`;
    }),
  ];
  rmSync(o.workDir, { recursive: true, force: true });
  mkdirSync(o.workDir, { recursive: true });
  const spec = join(o.workDir, `${o.def.name}.spec`);
  writeFileSync(
    spec,
    fillTemplate(readFileSync(join(o.repoRoot, 'packaging/linux/rpm/package.spec'), 'utf8'), {
      PACKAGE: o.def.name,
      VERSION: o.version,
      SUMMARY: o.def.summary,
      DESCRIPTION: o.def.description,
      REQUIRES: o.def.name === 'cordon-server' ? 'Requires(post): shadow-utils' : '',
      STAGE: o.root,
      FILES: lines.join('\n'),
      UNIT: o.def.unit,
      STATE: o.def.stateDir,
      PREPARE: [o.def.prepare, installConfigsScript(o.def)].filter(Boolean).join('\n'),
      PAYLOAD: o.compression === 'release' ? 'w10.zstdio' : 'w1.zstdio',
    }),
  );
  // rpmbuild traces its scriptlets on stderr: shown only when it fails.
  // --target, not BuildArch: rpmbuild refuses a BuildArch this machine cannot build for, even with nothing to compile.
  execFileSync('rpmbuild', ['-bb', '--target', `${o.rpmArch}-linux`, '--define', `_topdir ${o.workDir}`, '--define', `_rpmdir ${join(o.workDir, 'RPMS')}`, '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', spec], { stdio: ['ignore', 'ignore', 'pipe'] });
  const built = readdirSync(join(o.workDir, 'RPMS')).find((f) => f.endsWith('.rpm'));
  if (!built) throw new Error(`rpmbuild made no package for ${o.def.name}`);
  renameSync(join(o.workDir, 'RPMS', built), o.outFile);
}
