// `npm run package [-- --arch x64|arm64] [--version V] [--out DIR]`: the Linux packages into out/ (see
// packaging/build-packages.ts). Needs dpkg-deb and rpmbuild (Debian: dpkg, rpm); the first run fetches the
// pinned Node from the npm registry.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildPackages } from '../packaging/build-packages.ts';
import { hostArch, TARGET_ARCHES, type TargetArch } from '../packaging/runtime/target-arch.ts';
import { BenchRecord } from '../test/bench/bench-record.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { arch: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' } } });
const arch = (values.arch ?? hostArch()) as TargetArch;
if (!TARGET_ARCHES.includes(arch)) throw new Error(`--arch must be one of ${TARGET_ARCHES.join(', ')}`);
const version = values.version ?? (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const started = Date.now();
// The sizes and build time the install guide quotes: bench-results/package-build.json.
const record = new BenchRecord('package-build', { arch, version }, 'npm run package');
const built = await buildPackages({ repoRoot: ROOT, outDir: resolve(values.out ?? join(ROOT, 'out')), arch, version });
for (const p of built) process.stdout.write(`${relative(process.cwd(), p.file)}  ${(p.bytes / 1e6).toFixed(1)} MB\n`);
const seconds = Math.round((Date.now() - started) / 1000);
process.stdout.write(`built ${built.length} packages in ${seconds} s\n`);
/** What dpkg says the package takes once installed (its control file's Installed-Size, KiB). */
const installedKiB = (file: string) => Number(execFileSync('dpkg-deb', ['--field', file, 'Installed-Size'], { encoding: 'utf8' }).trim());
record.write({
  buildSeconds: seconds,
  packages: built.map((p) => ({ name: p.name, format: p.format, file: relative(ROOT, p.file), megabytes: Math.round(p.bytes / 1e5) / 10, ...(p.format === 'deb' ? { installedMegabytes: Math.round(installedKiB(p.file) * 0.01024) / 10 } : {}) })),
});
