import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BundleError,
  builtInPolicy,
  canonicalJson,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKey,
  signBundle,
  verifyBundle,
  type BundleContent,
  DEFAULT_POLICY_FILE,
} from '../../policy/index.ts';
import { runCordon } from '../support/cli.ts';

const pair = generateSigningKey();
const other = generateSigningKey();
const priv = loadPrivateKey(pair.privateKeyPem);
const pub = loadPublicKey(pair.publicKeyPem);
const otherPub = loadPublicKey(other.publicKeyPem);
const content: BundleContent = { serial: 7, issuedAt: '2026-11-24T00:00:00.000Z', device: 'dev-1', policy: builtInPolicy() };

function rejection(input: unknown, keys = [pub]): BundleError {
  try {
    verifyBundle(input, keys);
  } catch (err) {
    assert.ok(err instanceof BundleError, String(err));
    return err;
  }
  assert.fail('bundle was accepted');
}

test('canonical JSON sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, e: 'x' }], é: null }), '{"a":[{"d":2,"e":"x"}],"b":1,"é":null}');
  assert.throws(() => canonicalJson({ n: Number.NaN }), /\$\.n: NaN cannot be represented/);
});

test('a signed bundle verifies against its pinned key and returns the same content', () => {
  const bundle = signBundle(content, priv);
  assert.equal(bundle.keyId, pair.keyId);
  const back = verifyBundle(JSON.stringify(bundle), [otherPub, pub]);
  assert.deepEqual(back, JSON.parse(canonicalJson(content)));
});

test('tampered, truncated, re-ordered, foreign-key and malformed bundles are refused with a reason', () => {
  const bundle = signBundle(content, priv);
  const tampered = { ...bundle, payload: bundle.payload.replace('"action":"block"', '"action":"allow"') };
  assert.notEqual(tampered.payload, bundle.payload);
  assert.equal(rejection(tampered).reason, 'bad-signature');

  const text = JSON.stringify(bundle);
  const truncated = rejection(text.slice(0, text.length - 40));
  assert.equal(truncated.reason, 'malformed');
  assert.match(truncated.message, /truncated/);

  // Re-ordering the payload's keys and re-signing still fails: only canonical bytes are accepted.
  const reordered = JSON.stringify(JSON.parse(bundle.payload), Object.keys(JSON.parse(bundle.payload)).reverse());
  const resigned = { ...signBundle(content, priv), payload: reordered };
  assert.equal(rejection(resigned).reason, 'bad-signature');
  const selfSigned = { ...bundle, payload: reordered, signature: sign(null, Buffer.from(reordered), priv).toString('base64') };
  assert.equal(rejection(selfSigned).reason, 'not-canonical');

  // Re-ordering rules changes the meaning and the bytes.
  const policy = builtInPolicy();
  const twoRules = { ...content, policy: { ...policy, rules: [policy.rules[0]!, { ...policy.rules[0]!, id: 'second', action: 'allow' as const }] } };
  const signed2 = signBundle(twoRules, priv);
  const swapped = JSON.parse(signed2.payload) as BundleContent;
  swapped.policy.rules.reverse();
  assert.equal(rejection({ ...signed2, payload: canonicalJson(swapped) }).reason, 'bad-signature');

  const foreign = signBundle(content, loadPrivateKey(other.privateKeyPem));
  const unknown = rejection(foreign);
  assert.equal(unknown.reason, 'unknown-key');
  assert.match(unknown.message, new RegExp(other.keyId));

  assert.equal(rejection({ ...bundle, signature: undefined }).reason, 'malformed');
  assert.equal(rejection('null').reason, 'malformed');
  const bad = signBundle({ ...content, policy: { ...content.policy, mode: 'lenient' as 'enforce' } }, priv);
  const invalid = rejection(bad);
  assert.equal(invalid.reason, 'invalid-policy');
  assert.match(invalid.message, /policy\.mode must be one of: enforce, monitor/);
});

test('keys of the wrong kind are refused with a message naming the file', () => {
  assert.throws(() => loadPublicKey('not a key', 'k.pub'), /k\.pub: not a PEM public key/);
  assert.throws(() => loadPrivateKey(pair.publicKeyPem, 'k.key'), /k\.key: not a PEM private key/);
});

test('cordon policy keygen/sign/verify round trip, and verify refuses tampering and foreign keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-sign-'));
  const keygen = runCordon(['policy', 'keygen', '--out', join(dir, 'org')]);
  assert.equal(keygen.status, 0, keygen.stderr);
  assert.equal(statSync(join(dir, 'org.key')).mode & 0o777, 0o600);
  const signed = runCordon(['policy', 'sign', DEFAULT_POLICY_FILE, '--key', join(dir, 'org.key'), '--serial', '42', '--out', join(dir, 'bundle.json')]);
  assert.equal(signed.status, 0, signed.stderr);
  const ok = runCordon(['policy', 'verify', join(dir, 'bundle.json'), '--pubkey', join(dir, 'org.pub')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /signature good — policy "cordon-default" serial 42/);

  const bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { payload: string };
  bundle.payload = bundle.payload.replace('"mode":"enforce"', '"mode":"monitor"');
  writeFileSync(join(dir, 'tampered.json'), JSON.stringify(bundle));
  const bad = runCordon(['policy', 'verify', join(dir, 'tampered.json'), '--pubkey', join(dir, 'org.pub')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /REJECTED \(bad-signature\)/);

  writeFileSync(join(dir, 'other.pub'), other.publicKeyPem);
  const foreign = runCordon(['policy', 'verify', join(dir, 'bundle.json'), '--pubkey', join(dir, 'other.pub')]);
  assert.equal(foreign.status, 1);
  assert.match(foreign.stderr, /REJECTED \(unknown-key\)/);
});
