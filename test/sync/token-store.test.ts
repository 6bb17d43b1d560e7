import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKEN_FILE } from '../../agent/sync/token-store.ts';
import { requireSystemPart } from '../support/system-part.ts';

const PROBE = fileURLToPath(new URL('./token-store-probe.ts', import.meta.url));
// A fresh HOME per run: gnome-keyring creates its login keyring there, unlocked with the password on stdin.
const noBus = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'cordon-home-')) };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.XDG_DATA_HOME;
  return env;
};

function probe(stateDir: string, service: string, steps: string[], withKeyring: boolean): Record<string, unknown> {
  const node = [process.execPath, '--import', 'tsx', PROBE, stateDir, service, ...steps].map((a) => `'${a}'`).join(' ');
  const r = withKeyring
    ? spawnSync('dbus-run-session', ['--', 'sh', '-c', `echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ${node}`], { encoding: 'utf8', env: noBus(), timeout: 60_000 })
    : spawnSync('sh', ['-c', node], { encoding: 'utf8', env: noBus(), timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const noKeyring = requireSystemPart({ binary: 'dbus-run-session', debianPackage: 'dbus' }) ?? requireSystemPart({ binary: 'gnome-keyring-daemon', debianPackage: 'gnome-keyring' });
const credentials = { serverUrl: 'https://cordon.example', deviceId: 'dev-1', token: 'tok-1' };

test('with a real Secret Service (gnome-keyring) the token goes to the keychain, never to disk', { skip: noKeyring }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-token-'));
  const service = `cordon-test-${process.pid}`;
  const r = probe(stateDir, service, ['save', 'load', 'raw', 'clear', 'load'], true);
  assert.equal(r['save.storage'], 'keychain');
  assert.deepEqual(r.loaded, null, 'cleared at the end');
  assert.deepEqual(JSON.parse(r.raw as string), credentials, 'the keychain itself holds it');
  assert.equal(existsSync(join(stateDir, TOKEN_FILE)), false);
});

test('a token left in the fallback file moves into the keychain once there is one', { skip: noKeyring }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-token-'));
  writeFileSync(join(stateDir, TOKEN_FILE), JSON.stringify(credentials), { mode: 0o600 });
  const r = probe(stateDir, `cordon-test-adopt-${process.pid}`, ['load', 'raw', 'clear'], true);
  assert.deepEqual(r.loaded, credentials);
  assert.deepEqual(JSON.parse(r.raw as string), credentials);
  assert.equal(existsSync(join(stateDir, TOKEN_FILE)), false, 'no copy left on disk');
});

test('without a Secret Service the token falls back to a 0600 file, and status can say why', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-token-'));
  const r = probe(stateDir, 'cordon-test-nobus', ['save', 'load'], false);
  assert.equal(r['save.storage'], 'file');
  assert.match(String(r.fallbackReason), /no OS credential store/);
  assert.deepEqual(r.loaded, credentials);
  const file = join(stateDir, TOKEN_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), credentials);
  const cleared = probe(stateDir, 'cordon-test-nobus', ['clear', 'load'], false);
  assert.equal(cleared.loaded, null);
  assert.equal(existsSync(file), false);
});
