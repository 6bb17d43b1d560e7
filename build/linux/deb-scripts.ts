// The deb's maintainer scripts. electron-builder runs ONE after-install (and one after-remove) script: a custom
// one replaces its own, which sets up chrome-sandbox (setuid only where user namespaces are unavailable), the
// AppArmor profile Ubuntu 24.04 needs before it lets Electron start, and the /usr/bin link. So Cordon's steps are
// appended to electron-builder's own templates, read from the installed electron-builder at build time (they
// follow its upgrades), into build/linux/generated/, which electron-builder.yml names. electron-builder then
// fills in its ${…} macros as for its own scripts (so Cordon's parts must not use ${…}).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(HERE, 'generated');

function builderTemplate(name: 'after-install.tpl' | 'after-remove.tpl'): string {
  const pkg = createRequire(import.meta.url).resolve('app-builder-lib/package.json');
  return readFileSync(join(dirname(pkg), 'templates', 'linux', name), 'utf8');
}

/** Cordon's own steps, without their shebang: they run after electron-builder's, in a subshell with set -e. */
function cordonPart(file: string): string {
  const body = readFileSync(join(HERE, file), 'utf8').replace(/^#!.*\n/, '');
  if (/\$\{/.test(body)) throw new Error(`${file} uses \${…}, which electron-builder would take for one of its macros`);
  return `\n# ---- Cordon (build/linux/${file}) ----\n(\n${body})\n`;
}

/** Writes after-install.tpl and after-remove.tpl (electron-builder's steps, then Cordon's) into dir. */
export function writeDebScripts(dir = GENERATED_DIR): { afterInstall: string; afterRemove: string } {
  mkdirSync(dir, { recursive: true });
  const afterInstall = join(dir, 'after-install.tpl');
  const afterRemove = join(dir, 'after-remove.tpl');
  writeFileSync(afterInstall, builderTemplate('after-install.tpl') + cordonPart('after-install.sh'), { mode: 0o755 });
  writeFileSync(afterRemove, builderTemplate('after-remove.tpl') + cordonPart('after-remove.sh'), { mode: 0o755 });
  return { afterInstall, afterRemove };
}
