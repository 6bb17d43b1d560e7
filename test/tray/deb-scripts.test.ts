// The deb's maintainer scripts do electron-builder's set-up (chrome-sandbox, the AppArmor profile Ubuntu 24.04
// needs to start Electron, the /usr/bin link) and then Cordon's (agent service, tray autostart): a custom
// afterInstall replaces electron-builder's, so electron-builder.yml must name the combined scripts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { GENERATED_DIR, writeDebScripts } from '../../build/linux/deb-scripts.ts';
import { REPO_ROOT } from '../support/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-deb-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** What electron-builder does to a script before packaging it: its ${…} macros filled in, any other one an error. */
function render(template: string): string {
  const macros: Record<string, string> = { executable: 'cordon', sanitizedProductName: 'Cordon', productFilename: 'Cordon' };
  return template.replace(/\$\{([a-zA-Z]+)\}/g, (_m, name: string) => {
    if (!(name in macros)) throw new Error(`Macro ${name} is not defined`);
    return macros[name]!;
  });
}

test('electron-builder.yml names the generated scripts, which keep electron-builder’s set-up and add Cordon’s', () => {
  const config = parse(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as { deb: { afterInstall: string; afterRemove: string } };
  const written = writeDebScripts(scratch);
  assert.equal(join(REPO_ROOT, config.deb.afterInstall), join(GENERATED_DIR, 'after-install.tpl'));
  assert.equal(join(REPO_ROOT, config.deb.afterRemove), join(GENERATED_DIR, 'after-remove.tpl'));

  const install = render(readFileSync(written.afterInstall, 'utf8'));
  assert.match(install, /chmod 4755 '\/opt\/Cordon\/chrome-sandbox'/, 'chrome-sandbox is set up where user namespaces are off');
  assert.match(install, /apparmor_parser --replace .*"\$APPARMOR_PROFILE_TARGET"/, 'the AppArmor profile is installed');
  assert.match(install, /update-alternatives --install '\/usr\/bin\/cordon'/);
  // Cordon's part (the agent service now belongs to the cordon-agent package) follows electron-builder's set-up.
  assert.ok(install.indexOf('deb postinst of the tray') > install.indexOf('apparmor_parser'), 'Cordon’s steps come after');
  assert.match(install, /cordon-tray\.desktop/);
  const remove = render(readFileSync(written.afterRemove, 'utf8'));
  assert.match(remove, /apparmor_parser --remove/);
  assert.ok(remove.indexOf('deb postrm of the tray') > remove.indexOf('apparmor_parser --remove'), 'Cordon’s part follows');
  assert.doesNotMatch(remove, /systemctl disable/, 'removing the tray leaves the agent (its own package) running');
  for (const [name, text] of [['after-install', install], ['after-remove', remove]] as const) {
    const file = join(scratch, `${name}.rendered`);
    writeFileSync(file, text);
    const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${name}: ${syntax.stderr}`);
  }
});
