// Packaging resources: the fuse plan matches electron-builder.yml, the icons are the drawing's output and valid
// images for each OS, and the service definitions run what the installer lays down.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { parse } from 'yaml';
import { CORDON_FUSES } from '../../build/fuses.ts';
import { trayIcon } from '../../build/icon-drawing.ts';
import { encodePng } from '../../build/png-encoder.ts';
import { TRAY_STATES, trayIconName } from '../../ui-shared/tray-state.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { requireSystemPart } from '../support/system-part.ts';
import { AGENT_SERVICE_NAME } from '../../agent/windows/verified-pipe-request.ts';

const ICONS = join(REPO_ROOT, 'build/icons');
const builderConfig = parse(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, Record<string, unknown>>;

function decodePng(bytes: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert.equal(bytes[24], 8, 'bit depth');
  assert.equal(bytes[25], 6, 'RGBA');
  const idat: Buffer[] = [];
  for (let o = 8; o < bytes.length; ) {
    const len = bytes.readUInt32BE(o);
    if (bytes.toString('ascii', o + 4, o + 8) === 'IDAT') idat.push(bytes.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return { width, height, pixel: (x, y) => [...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 4)] };
}

test('fuses: the plan in build/fuses.ts is what electron-builder.yml applies', () => {
  assert.deepEqual(builderConfig.electronFuses, { ...CORDON_FUSES });
  assert.equal(CORDON_FUSES.runAsNode, false);
  assert.equal(CORDON_FUSES.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(CORDON_FUSES.enableNodeCliInspectArguments, false);
  assert.equal(CORDON_FUSES.enableEmbeddedAsarIntegrityValidation, true);
  assert.equal(CORDON_FUSES.onlyLoadAppFromAsar, true);
  assert.equal(CORDON_FUSES.enableCookieEncryption, true);
});

test("electron-builder.yml passes electron-builder's own configuration schema", () => {
  // The same validation `electron-builder` runs before packaging, without the Electron download packaging
  // needs; in a child process, since electron-builder logs to stdout, which the test runner reads.
  const script = `
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    getConfig(process.cwd(), null, null)
      .then((c) => validateConfiguration(c, new DebugLogger(false)))
      .then(() => console.log('valid'), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^valid$/m);
});

test('installers: a per-machine silent Windows installer (NSIS; no MSI, which would install no service), deb + AppImage, macOS pkg', () => {
  assert.deepEqual(builderConfig.linux!.target, ['deb', 'AppImage']);
  assert.deepEqual(builderConfig.mac!.target, ['pkg']);
  assert.deepEqual(builderConfig.win!.target, ['nsis']);
  assert.equal(builderConfig.nsis!.perMachine, true);
  assert.equal(builderConfig.nsis!.include, 'build/win/installer.nsh');
});

// Neither can run here (no Windows): both are compiled for real, the NSIS hooks by makensis with warnings as errors
// in a stub installer that uses every macro, the service host by Mono's C# compiler against the same
// System.ServiceProcess API the installer compiles it against with the .NET Framework's csc.exe.
const nsisMissing = requireSystemPart({ binary: 'makensis', debianPackage: 'nsis' });
const mcsMissing = requireSystemPart({ binary: 'mcs', debianPackage: 'mono-mcs' }) ?? requireSystemPart({ binary: '/usr/lib/mono/4.5/System.ServiceProcess.dll', debianPackage: 'libmono-system-serviceprocess4.0-cil' });

test('Windows installer: secures %ProgramData%\\Cordon by SID and installs the CordonAgent service; makensis compiles it', { skip: nsisMissing }, () => {
  const nsh = readFileSync(join(REPO_ROOT, 'build/win/installer.nsh'), 'utf8');
  assert.match(nsh, /icacls\.exe" "\$0\\Cordon" \/setowner \*S-1-5-32-544/);
  assert.match(nsh, /\/inheritance:r \/grant:r \*S-1-5-18:\(OI\)\(CI\)F \*S-1-5-32-544:\(OI\)\(CI\)F \*S-1-5-32-545:\(OI\)\(CI\)RX /, 'Users read and execute only');
  assert.match(nsh, /"\$0\\Cordon\\\*" \/reset \/T/, 'what is inside inherits, explicit user grants dropped');
  assert.match(nsh, /Rename "\$0\\Cordon" "\$0\\Cordon\.untrusted-before-install"/, 'a folder made before the first install is set aside');
  assert.match(nsh, new RegExp(`!define CORDON_SERVICE "${AGENT_SERVICE_NAME}"`));
  assert.match(nsh, /sc\.exe" create \$\{CORDON_SERVICE\} binPath= .* start= auto obj= LocalSystem/);
  assert.match(nsh, /sc\.exe" failure \$\{CORDON_SERVICE\} reset= 86400 actions= restart/);
  assert.match(JSON.stringify(builderConfig.win!.extraResources), /"from":"build\/win\/cordon-agent-service\.cs","to":"agent\/cordon-agent-service\.cs"/);
  const dir = mkdtempSync(join(tmpdir(), 'cordon-nsis-'));
  try {
    writeFileSync(
      join(dir, 'stub.nsi'),
      ['Unicode true', 'Name "stub"', 'OutFile "stub.exe"', 'InstallDir "$PROGRAMFILES64\\Cordon"', 'RequestExecutionLevel admin', `!include "${join(REPO_ROOT, 'build/win/installer.nsh')}"`,
        'Function .onInit', '  !insertmacro customInit', 'FunctionEnd', 'Section', '  WriteUninstaller "$INSTDIR\\u.exe"', '  !insertmacro customInstall', 'SectionEnd',
        'Section "Uninstall"', '  !insertmacro customUnInstall', 'SectionEnd'].join('\n'),
    );
    const r = spawnSync('makensis', ['-V2', '-WX', 'stub.nsi'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(dir, 'stub.exe')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Windows service host: compiles against System.ServiceProcess, is the service the pipe clients trust, runs the bundled runtime', { skip: mcsMissing }, () => {
  const source = join(REPO_ROOT, 'build/win/cordon-agent-service.cs');
  const cs = readFileSync(source, 'utf8');
  assert.match(cs, new RegExp(`ServiceName = "${AGENT_SERVICE_NAME}";`));
  assert.match(cs, /Path\.Combine\(Here, "node\.exe"\), "\\"" \+ Path\.Combine\(Path\.Combine\(Here, "app"\), "cordon\.mjs"\) \+ "\\" agent"/);
  const dir = mkdtempSync(join(tmpdir(), 'cordon-service-host-'));
  try {
    const r = spawnSync('mcs', ['-nologo', '-warnaserror+', '-target:exe', '-optimize+', '-reference:System.ServiceProcess.dll', `-out:${join(dir, 'host.exe')}`, source], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(dir, 'host.exe')).subarray(0, 2).toString('latin1'), 'MZ', 'a Windows executable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('icons: the committed files are exactly what the drawing produces', () => {
  for (const state of TRAY_STATES) {
    assert.ok(readFileSync(join(ICONS, `tray-${state}.png`)).equals(encodePng(trayIcon(state, 16, false))), `${state} 16 px is stale: run npm run icons`);
    assert.ok(readFileSync(join(ICONS, `tray-${state}Template@2x.png`)).equals(encodePng(trayIcon(state, 32, true))), `${state} template @2x is stale`);
  }
});

test('icons: every state has its file per OS; templates are black with alpha only; colours differ by state', () => {
  const centres = new Set<string>();
  for (const state of TRAY_STATES) {
    assert.ok(existsSync(join(ICONS, `${trayIconName(state, 'linux')}.png`)));
    assert.ok(existsSync(join(ICONS, `${trayIconName(state, 'linux')}@2x.png`)));
    assert.ok(existsSync(join(ICONS, `${trayIconName(state, 'darwin')}.png`)));
    assert.ok(existsSync(join(ICONS, `${trayIconName(state, 'darwin')}@2x.png`)));
    const png = decodePng(readFileSync(join(ICONS, `tray-${state}@2x.png`)));
    assert.deepEqual([png.width, png.height], [32, 32]);
    assert.equal(png.pixel(0, 0)[3], 0, 'transparent corner');
    centres.add(png.pixel(6, 12).join(','));
    const tpl = decodePng(readFileSync(join(ICONS, `tray-${state}Template@2x.png`)));
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) assert.deepEqual(tpl.pixel(x, y).slice(0, 3), [0, 0, 0], `${state} template at ${x},${y}`);
    const ico = readFileSync(join(ICONS, `${trayIconName(state, 'win32')}.ico`));
    assert.equal(ico.readUInt16LE(2), 1, 'ICO type');
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, i) => ico[6 + 16 * i]);
    assert.deepEqual(sizes, [16, 24, 32, 48]);
    for (let i = 0; i < count; i++) {
      const offset = ico.readUInt32LE(6 + 16 * i + 12);
      assert.equal(ico.readUInt32BE(offset), 0x89504e47, 'PNG inside the ICO');
    }
  }
  assert.equal(centres.size, TRAY_STATES.length, 'each state has its own colour');
  const app = decodePng(readFileSync(join(ICONS, 'icon.png')));
  assert.deepEqual([app.width, app.height], [512, 512]);
  assert.equal(readFileSync(join(ICONS, 'icon.ico')).readUInt16LE(4), 6);
});

test('services: systemd and launchd run the self-contained runtime where the packages put it; the tray needs cordon-agent', () => {
  const unit = readFileSync(join(REPO_ROOT, 'packaging/linux/cordon-agent.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/lib\/cordon\/node \/usr\/lib\/cordon\/app\/cordon\.mjs agent$/m);
  assert.match(unit, /^Restart=always$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
  const plist = readFileSync(join(REPO_ROOT, 'build/mac/com.cordon.agent.plist'), 'utf8');
  assert.match(plist, /<string>\/Applications\/Cordon\.app\/Contents\/Resources\/agent\/app\/cordon\.mjs<\/string>\s*<string>agent<\/string>/);
  assert.match(plist, /<key>KeepAlive<\/key>\s*<true\/>/);
  for (const os of ['mac', 'win']) assert.match(JSON.stringify(builderConfig[os]!.extraResources), /"to":"agent\/app"/, os);
  assert.equal(builderConfig.linux!.extraResources, undefined, 'the Linux tray carries no agent of its own');
  assert.ok((builderConfig.deb!.depends as string[]).includes('cordon-agent'));
  assert.ok(existsSync(join(REPO_ROOT, 'cli/cordon-entry.ts')));
});
