// `cordon enrol`: one step from a fresh install to a connected agent. The file it writes is validated as the
// agent reads it (loadManagedConfig), root-only, and nothing is written when something is wrong.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadManagedConfig } from '../../agent/sync/managed-config.ts';
import { generateSigningKey, keyIdOf } from '../../policy/index.ts';
import { runCordon } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cordon-enrol-'));
const key = generateSigningKey();
const pin = join(dir, 'server.pub');
writeFileSync(pin, key.publicKeyPem);
const secret = join(dir, 'enrol-secret');
writeFileSync(secret, 'a-shared-secret-of-32-characters\n', { mode: 0o600 });

test('writes a root-only managed config the agent accepts, keeping what IT had set besides the connection', () => {
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, 'serverUrl: https://old.example.com\nenrolSecret: old-secret-0123456789\npinnedKeys: [x]\ngroups: [engineering]\noverrides:\n  mode: monitor\n', { mode: 0o600 });
  const r = runCordon(['enrol', '--server', 'https://cordon.example.com', '--secret-file', secret, '--pin', pin, '--tag', 'site=paris', '--config', config]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*agent\.yaml \(0600\): server https:\/\/cordon\.example\.com, 1 pinned key/);
  assert.equal(statSync(config).mode & 0o777, 0o600);
  const loaded = loadManagedConfig(config)!;
  assert.equal(loaded.serverUrl, 'https://cordon.example.com');
  assert.equal(loaded.enrolSecret, 'a-shared-secret-of-32-characters');
  assert.deepEqual(loaded.pinnedKeyIds, [keyIdOf(key.publicKeyPem)]);
  assert.deepEqual(loaded.groups, ['engineering']);
  assert.deepEqual(loaded.tags, ['site=paris']);
  assert.equal(loaded.overrides.mode, 'monitor');
});

test('a config the agent would reject is not written: every problem named, the old file untouched', () => {
  const config = join(dir, 'kept.yaml');
  writeFileSync(config, '# the package template\n', { mode: 0o600 });
  const notAKey = join(dir, 'not-a-key.pub');
  writeFileSync(notAKey, 'hello\n');
  const r = runCordon(['enrol', '--server', 'http://cordon.example.com', '--secret-file', secret, '--pin', notAKey, '--config', config]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nothing written/);
  assert.match(r.stderr, /serverUrl.*must use https:\/\//);
  assert.match(r.stderr, /pinnedKeys/);
  assert.equal(readFileSync(config, 'utf8'), '# the package template\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('kept.yaml.')), [], 'no candidate file is left behind');
});

test('inputs that are not small regular files are refused; required flags are named', () => {
  const r = runCordon(['enrol', '--server', 'https://cordon.example.com', '--secret-file', '/dev/zero', '--pin', pin, '--config', join(dir, 'x.yaml')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--secret-file \/dev\/zero is missing, unreadable or not a regular file/);
  const missing = runCordon(['enrol', '--server', 'https://cordon.example.com', '--pin', pin]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--secret-file F is required/);
});
