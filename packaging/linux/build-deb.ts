// A .deb from a staged tree: control file, conffiles, md5sums and the maintainer scripts (packaging/linux/deb/),
// built with dpkg-deb, every file owned by root.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installConfigsScript, purgeConfigsScript } from './config-scripts.ts';
import { HOMEPAGE, MAINTAINER, type Compression, type PackageDefinition } from './package-definitions.ts';
import { stagedFiles } from './stage-package.ts';

export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/@([A-Z_]+)@/g, (m, key: string) => values[key] ?? m);
}

export function buildDeb(o: { repoRoot: string; def: PackageDefinition; root: string; version: string; debArch: string; outFile: string; compression: Compression }): void {
  const files = stagedFiles(o.root);
  const control = join(o.root, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const installedKb = Math.ceil(files.reduce((n, f) => n + readFileSync(join(o.root, f)).length, 0) / 1024);
  writeFileSync(
    join(control, 'control'),
    [
      `Package: ${o.def.name}`,
      `Version: ${o.version}`,
      `Architecture: ${o.debArch}`,
      `Maintainer: ${MAINTAINER}`,
      `Installed-Size: ${installedKb}`,
      `Depends: ${o.def.debDepends.join(', ')}`,
      'Section: admin',
      'Priority: optional',
      `Homepage: ${HOMEPAGE}`,
      `Description: ${o.def.summary}`,
      ...o.def.description.split('\n').map((l) => ` ${l}`),
      '',
    ].join('\n'),
  );
  const conffiles = o.def.files.filter((f) => f.config).map((f) => `${f.to}\n`);
  if (conffiles.length) writeFileSync(join(control, 'conffiles'), conffiles.join(''));
  writeFileSync(join(control, 'md5sums'), files.map((f) => `${createHash('md5').update(readFileSync(join(o.root, f))).digest('hex')}  ${f.slice(1)}\n`).join(''));
  const values = {
    PACKAGE: o.def.name,
    UNIT: o.def.unit,
    STATE: o.def.stateDir,
    PREPARE: `if [ "$1" = configure ]; then\n${[o.def.prepare, installConfigsScript(o.def)].filter(Boolean).join('\n')}\nfi`,
    PURGE: [purgeConfigsScript(o.def), o.def.purge].filter(Boolean).join('\n'),
    PURGE_WHAT: o.def.purgeWhat,
  };
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const dest = join(control, script);
    writeFileSync(dest, fillTemplate(readFileSync(join(o.repoRoot, 'packaging/linux/deb', `service-${script}.sh`), 'utf8'), values));
    chmodSync(dest, 0o755);
  }
  for (const f of ['control', ...(conffiles.length ? ['conffiles'] : []), 'md5sums']) chmodSync(join(control, f), 0o644);
  chmodSync(control, 0o755);
  execFileSync('dpkg-deb', ['--root-owner-group', ...(o.compression === 'release' ? ['-Zxz'] : ['-Zgzip', '-z1']), '--build', o.root, o.outFile], { stdio: ['ignore', 'ignore', 'inherit'] });
}
