// Lays out one package's files as they will sit on the installed system (a staging root), with the modes the
// package must give them whatever this machine's umask. The same tree feeds dpkg-deb and rpmbuild.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { HOMEPAGE, MAINTAINER, type PackageDefinition } from './package-definitions.ts';

export type PackageFormat = 'deb' | 'rpm';

/** bookworm's packages keep units in /lib/systemd/system (lintian insists); RPM distributions in /usr/lib. */
export function unitDir(format: PackageFormat): string {
  return format === 'deb' ? '/lib/systemd/system' : '/usr/lib/systemd/system';
}

function place(root: string, from: string, to: string, mode: number): void {
  const dest = join(root, to);
  mkdirSync(dirname(dest), { recursive: true });
  // Manual pages are installed compressed (maximum, no timestamp: reproducible).
  if (to.endsWith('.gz') && !from.endsWith('.gz')) writeFileSync(dest, gzipSync(readFileSync(from), { level: 9 }));
  else copyFileSync(from, dest);
  chmodSync(dest, mode);
}

/** Directories 0755, files 0644, executables (any x bit, or ELF) 0755. */
function normaliseModes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      chmodSync(p, 0o755);
      normaliseModes(p);
    } else if (entry.isFile()) chmodSync(p, statSync(p).mode & 0o111 ? 0o755 : 0o644);
  }
}

function copyright(nodeLicense: string): string {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: cordon
Source: ${HOMEPAGE}

Files: *
Copyright: Cordon
License: proprietary
 Internal use under the terms of the organisation that deploys it.

Files: usr/lib/cordon*/node
Copyright: Node.js contributors and the authors of the bundled third-party code
License: Node.js
${nodeLicense
  .split('\n')
  .map((l) => (l.trim() ? ` ${l}` : ' .'))
  .join('\n')}
`;
}

function changelog(def: PackageDefinition, version: string): Buffer {
  const text = `${def.name} (${version}) stable; urgency=medium

  * Release ${version}.

 -- ${MAINTAINER}  Tue, 01 Dec 2026 00:00:00 +0000
`;
  return gzipSync(text, { level: 9 });
}

export interface StageOptions {
  repoRoot: string;
  def: PackageDefinition;
  format: PackageFormat;
  /** The built runtime (node + app/). */
  runtimeDir: string;
  /** The Node tarball's LICENSE (package/LICENSE), for the copyright file. */
  nodeLicense: string;
  version: string;
  root: string;
}

export function stagePackage(o: StageOptions): void {
  rmSync(o.root, { recursive: true, force: true });
  mkdirSync(join(o.root, dirname(o.def.libDir)), { recursive: true });
  // Hard links: the 100 MB runtime is staged four times per build.
  execFileSync('cp', ['-al', o.runtimeDir, join(o.root, o.def.libDir)]);
  const doc = join(o.root, 'usr/share/doc', o.def.name);
  mkdirSync(doc, { recursive: true });
  writeFileSync(join(doc, 'copyright'), copyright(o.nodeLicense));
  if (o.format === 'deb') writeFileSync(join(doc, 'changelog.gz'), changelog(o.def, o.version));
  normaliseModes(o.root);
  place(o.root, join(o.repoRoot, o.def.unitFile), join(unitDir(o.format), o.def.unit), 0o644);
  // lintian's overrides mean nothing to an RPM distribution.
  for (const f of o.def.files) if (o.format === 'deb' || !f.to.startsWith('/usr/share/lintian/')) place(o.root, join(o.repoRoot, f.from), f.to, f.mode);
  for (const d of ['etc', 'lib', 'usr']) if (statSync(join(o.root, d), { throwIfNoEntry: false })) chmodSync(join(o.root, d), 0o755);
}

/** Every staged path (files and symlinks), absolute as installed, sorted. */
export function stagedFiles(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...stagedFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

export function readNodeLicense(nodeTarball: string): string {
  return execFileSync('tar', ['-xzOf', nodeTarball, 'package/LICENSE'], { encoding: 'utf8', maxBuffer: 16 << 20 }).toString();
}
