import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LastGoodPolicy, PolicyRejected } from '../../agent/sync/last-good-policy.ts';
import { builtInPolicy, generateSigningKey, loadPrivateKey, loadPublicKey, signBundle, type BundleContent } from '../../policy/index.ts';

const server = generateSigningKey();
const attacker = generateSigningKey();
const pinned = [loadPublicKey(server.publicKeyPem)];
const bundle = (serial: number, over: Partial<BundleContent> = {}, key = server) =>
  JSON.stringify(signBundle({ serial, issuedAt: '2026-11-25T10:00:00.000Z', device: 'dev-1', policy: { ...builtInPolicy(), name: `policy #${serial}` }, ...over }, loadPrivateKey(key.privateKeyPem)));
const fresh = () => join(mkdtempSync(join(tmpdir(), 'cordon-lastgood-')), 'policy-bundle.json');

function rejected(store: LastGoodPolicy, text: string, device = 'dev-1'): PolicyRejected {
  try {
    store.offer(text, device);
  } catch (err) {
    assert.ok(err instanceof PolicyRejected, String(err));
    return err;
  }
  assert.fail('the bundle was accepted');
}

test('a good bundle is accepted, persisted, and still trusted after a restart', () => {
  const file = fresh();
  const store = LastGoodPolicy.load(file, pinned);
  assert.equal(store.current(), undefined);
  const r = store.offer(bundle(3), 'dev-1', '"abc"');
  assert.equal(r.changed, true);
  assert.equal(r.accepted.content.serial, 3);
  const again = LastGoodPolicy.load(file, pinned);
  assert.equal(again.current()?.content.policy.name, 'policy #3');
  assert.equal(again.current()?.etag, '"abc"');
  assert.equal(again.problem, undefined);
  // The same bundle again is no change; nor is the same policy re-signed later under the same serial.
  assert.equal(again.offer(bundle(3), 'dev-1', '"abc"').changed, false);
  assert.equal(again.offer(bundle(3, { issuedAt: '2026-11-26T00:00:00.000Z' }), 'dev-1', '"def"').changed, false);
  assert.equal(LastGoodPolicy.load(file, pinned).current()?.etag, '"def"');
});

test('unsigned, tampered, other-key, malformed, other-device, rollback and reused-serial bundles are refused; the last good stays', () => {
  const file = fresh();
  const store = LastGoodPolicy.load(file, pinned);
  store.offer(bundle(5), 'dev-1');
  const before = readFileSync(file, 'utf8');
  const good = JSON.parse(bundle(6)) as Record<string, string>;
  const cases: [string, string][] = [
    [JSON.stringify({ ...good, signature: undefined }), 'malformed'],
    [JSON.stringify({ payload: good.payload }), 'malformed'],
    [JSON.stringify({ ...good, payload: good.payload!.replace('"action":"block"', '"action":"allow"') }), 'bad-signature'],
    [bundle(6, {}, attacker), 'unknown-key'],
    ['<html>502 Bad Gateway</html>', 'malformed'],
    [bundle(6).slice(0, 200), 'malformed'],
    ['', 'malformed'],
    [bundle(6, { device: 'dev-2' }), 'other-device'],
    [bundle(4), 'rollback'],
    [bundle(5, { policy: { ...builtInPolicy(), name: 'another policy' } }), 'serial-reused'],
  ];
  for (const [text, reason] of cases) {
    const err = rejected(store, text);
    assert.equal(err.reason, reason, `${reason}: ${err.message}`);
    assert.equal(store.current()?.content.serial, 5);
    assert.equal(readFileSync(file, 'utf8'), before, 'the stored policy is untouched');
  }
  assert.match(rejected(store, bundle(4)).message, /serial 4, older than serial 5 in force/);
  assert.match(rejected(store, bundle(6, {}, attacker)).message, /not one of the 1 pinned key/);
  assert.equal(store.offer(bundle(6), 'dev-1').changed, true);
});

test('issuedAt is not judged by the local clock: a day ahead or behind is accepted', () => {
  const store = LastGoodPolicy.load(fresh(), pinned);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  assert.equal(store.offer(bundle(1, { issuedAt: tomorrow }), 'dev-1').changed, true);
  assert.equal(store.offer(bundle(2, { issuedAt: yesterday }), 'dev-1').changed, true);
});

test('one serial floor per signing key, across device ids and restarts: a lower serial signed for another device id is a rollback', () => {
  const file = fresh();
  const store = LastGoodPolicy.load(file, pinned);
  store.offer(bundle(9), 'dev-1');
  assert.equal(rejected(store, bundle(10), 'dev-2').reason, 'other-device');
  // A proxy that forced an enrolment and got a new id accepted would replay a bundle signed for that id.
  const replay = rejected(store, bundle(3, { device: 'dev-2' }), 'dev-2');
  assert.equal(replay.reason, 'rollback');
  assert.match(replay.message, /serial 3, older than serial 9 in force/);
  assert.equal(rejected(LastGoodPolicy.load(file, pinned), bundle(3, { device: 'dev-2' }), 'dev-2').reason, 'rollback', 'the floor survives a restart');
  // Even when the stored bundle is no longer trusted (its key un-pinned and pinned again), the floor stays.
  writeFileSync(file, readFileSync(file, 'utf8').replace('policy #9', 'policy #X'));
  const tampered = LastGoodPolicy.load(file, pinned);
  assert.equal(tampered.current(), undefined);
  assert.equal(rejected(tampered, bundle(8), 'dev-1').reason, 'rollback');
  assert.equal(tampered.serialFloor([(JSON.parse(bundle(1)) as { keyId: string }).keyId]), 9);
  assert.equal(tampered.offer(bundle(10, { device: 'dev-2' }), 'dev-2').changed, true, 'the series goes on above the floor');
});

test('a stored policy that was edited on disk, or signed by a key IT has since un-pinned, is not trusted at start', () => {
  const file = fresh();
  LastGoodPolicy.load(file, pinned).offer(bundle(2), 'dev-1');
  const rotated = LastGoodPolicy.load(file, [loadPublicKey(attacker.publicKeyPem)]);
  assert.equal(rotated.current(), undefined);
  assert.match(rotated.problem ?? '', /no longer trusted .*not one of the 1 pinned key/);
  writeFileSync(file, readFileSync(file, 'utf8').replace('policy #2', 'policy #X'));
  const edited = LastGoodPolicy.load(file, pinned);
  assert.equal(edited.current(), undefined);
  assert.match(edited.problem ?? '', /altered after signing/);
  writeFileSync(file, '{"bun');
  assert.match(LastGoodPolicy.load(file, pinned).problem ?? '', /no longer trusted/);
});
