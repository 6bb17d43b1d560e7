// A process laid out exactly like a globally installed npm CLI (PREFIX/lib/node_modules/PKG/bin/x.js run by
// node) that idles until stopped: what the agent sees when an employee starts that tool, without the vendor's
// code (the tray tests need a block to show, not a real request).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function startNpmLayoutProcess(pkg: string, bin: string, dir = mkdtempSync(join(tmpdir(), 'cordon-cli-'))): ChildProcess {
  const pkgDir = join(dir, 'lib', 'node_modules', ...pkg.split('/'));
  mkdirSync(join(pkgDir, 'bin'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: pkg, version: '1.0.0', bin: { [bin]: `bin/${bin}.js` } }));
  writeFileSync(join(pkgDir, 'bin', `${bin}.js`), 'setInterval(() => {}, 1000);\n');
  return spawn(process.execPath, [join(pkgDir, 'bin', `${bin}.js`)], { stdio: 'ignore' });
}
