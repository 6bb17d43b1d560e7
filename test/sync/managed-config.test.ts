import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManagedConfig, managedConfigPath } from '../../agent/sync/managed-config.ts';
import { generateSigningKey, ValidationError } from '../../policy/index.ts';
import { REPO_ROOT } from '../support/cli.ts';

const key = generateSigningKey();
const indent = (pem: string) => pem.trim().split('\n').map((l) => `    ${l}`).join('\n');

function write(text: string, mode = 0o644): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cordon-config-')), 'agent.yaml');
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
}

function problemsOf(file: string): string {
  try {
    loadManagedConfig(file);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.message;
  }
  assert.fail('config was accepted');
}

test('per-OS locations, and CORDON_CONFIG overrides them', () => {
  assert.equal(managedConfigPath('linux', {}), '/etc/cordon/agent.yaml');
  assert.equal(managedConfigPath('darwin', {}), '/Library/Application Support/Cordon/agent.yaml');
  assert.equal(managedConfigPath('win32', { ProgramData: 'D:\\PD' }), join('D:\\PD', 'Cordon', 'agent.yaml'));
  assert.equal(managedConfigPath('linux', { CORDON_CONFIG: '/tmp/x.yaml' }), '/tmp/x.yaml');
});

test('no file: not configured (the agent runs on its local policy)', () => {
  assert.equal(loadManagedConfig(join(tmpdir(), 'cordon-no-such-config.yaml')), undefined);
});

test("the packages' template (comments only) is not configured either; a stray line is still an error", () => {
  assert.equal(loadManagedConfig(write(readFileSync(join(REPO_ROOT, 'packaging/linux/agent.yaml'), 'utf8'), 0o600)), undefined);
  assert.equal(loadManagedConfig(write('', 0o600)), undefined);
  assert.match(problemsOf(write('# a comment\nserverUrl: https://x.example\n', 0o600)), /pinnedKeys/);
});

test('a complete config loads: keys parsed and fingerprinted, secret read from a root-only file, overrides kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-config-'));
  const secretFile = join(dir, 'enrol-secret');
  writeFileSync(secretFile, 'correct horse battery staple\n', { mode: 0o600 });
  const file = write(`serverUrl: https://cordon.acme.example/
enrolSecretFile: ${secretFile}
pinnedKeys:
  - |
${indent(key.publicKeyPem)}
groups: [ml-research, eng]
tags: [laptop, "site=berlin"]
overrides: { mode: monitor, syncIntervalSeconds: 600, uploadIntervalSeconds: 30, journalMaxEvents: 1000 }
`);
  const c = loadManagedConfig(file)!;
  assert.equal(c.serverUrl, 'https://cordon.acme.example');
  assert.equal(c.enrolSecret, 'correct horse battery staple');
  assert.deepEqual(c.pinnedKeyIds, [key.keyId]);
  assert.deepEqual(c.groups, ['ml-research', 'eng']);
  assert.deepEqual(c.tags, ['laptop', 'site=berlin']);
  assert.deepEqual(c.overrides, { mode: 'monitor', syncIntervalSeconds: 600, uploadIntervalSeconds: 30, journalMaxEvents: 1000 });
  assert.equal(c.source, file);
});

test('every problem at once, each with line and field', () => {
  const file = write(`serverUrl: http://cordon.acme.example
pinnedKeys:
  - not a key
groups: ["bad group"]
overrides:
  mode: off
  syncIntervalSeconds: 5
  colour: blue
`);
  const message = problemsOf(file);
  assert.match(message, /problems in .*agent\.yaml/);
  assert.match(message, /agent\.yaml:4:\d+ {2}groups\[0\]: must be a group name/);
  assert.match(message, /agent\.yaml:6:\d+ {2}overrides\.mode: must be one of: enforce, monitor/);
  assert.match(message, /agent\.yaml:7:\d+ {2}overrides\.syncIntervalSeconds: /);
  assert.match(message, /agent\.yaml:8:\d+ {2}overrides\.colour: unknown field/);
  // Meaning is checked once the shape is right.
  const second = write(`serverUrl: http://cordon.acme.example
pinnedKeys: ["not a key"]
`);
  const m2 = problemsOf(second);
  assert.match(m2, /:1:\d+ {2}serverUrl: must use https:\/\//);
  assert.match(m2, /:2:\d+ {2}pinnedKeys\[0\]: not a PEM public key/);
  assert.match(m2, /enrolSecret: is required \(or enrolSecretFile\)/);
});

test('plain http only to this machine; enrolSecret and enrolSecretFile exclusive', () => {
  const ok = write(`serverUrl: http://127.0.0.1:8443\nenrolSecret: 0123456789abcdef\npinnedKeys:\n  - |\n${indent(key.publicKeyPem)}\n`);
  assert.equal(loadManagedConfig(ok)!.serverUrl, 'http://127.0.0.1:8443');
  const both = write(`serverUrl: https://c.example\nenrolSecret: 0123456789abcdef\nenrolSecretFile: /x\npinnedKeys:\n  - |\n${indent(key.publicKeyPem)}\n`);
  assert.match(problemsOf(both), /enrolSecretFile: give enrolSecret or enrolSecretFile, not both/);
});

test('as root: a config a user could write, or a secret others could read, is refused', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  const body = `serverUrl: https://c.example\nenrolSecret: 0123456789abcdef\npinnedKeys:\n  - |\n${indent(key.publicKeyPem)}\n`;
  assert.match(problemsOf(write(body, 0o666)), /writable by other users \(mode 666\)/);
  const owned = write(body);
  chownSync(owned, 65534, 65534);
  assert.match(problemsOf(owned), /must be owned by root \(it is owned by uid 65534\)/);
  const dir = mkdtempSync(join(tmpdir(), 'cordon-config-'));
  writeFileSync(join(dir, 'secret'), '0123456789abcdef', { mode: 0o644 });
  chmodSync(join(dir, 'secret'), 0o644);
  const loose = write(`serverUrl: https://c.example\nenrolSecretFile: ${join(dir, 'secret')}\npinnedKeys:\n  - |\n${indent(key.publicKeyPem)}\n`);
  assert.match(problemsOf(loose), /enrolSecretFile: .*secret is readable by other users \(mode 644\); chmod 600/);
});
