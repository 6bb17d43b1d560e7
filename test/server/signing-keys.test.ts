// The server's signing key: made on first start with mode 0600, stable across restarts, rotated in two steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, loadPublicKey, signBundle, verifyBundle, builtInPolicy } from '../../policy/index.ts';
import { loadSigningKeys, rotateSigningKey } from '../../server/signing-keys.ts';

test('first start makes a 0600 key and exports its public half; restarts keep it; rotation is two steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-keys-'));
  try {
    const first = loadSigningKeys(dir);
    assert.equal(statSync(join(dir, 'signing-key.pem')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'signing-key.pub'), 'utf8'), first.publicKeysPem.join(''));
    assert.equal(loadSigningKeys(dir).currentKeyId, first.currentKeyId, 'a restart keeps the key');

    assert.match(rotateSigningKey(dir), /made next key [0-9a-f]{32}/);
    const during = loadSigningKeys(dir);
    assert.equal(during.currentKeyId, first.currentKeyId, 'the current key still signs');
    assert.equal(during.publicKeysPem.length, 2, 'agents are given both keys to pin');
    const nextId = keyIdOf(during.publicKeysPem[1]!);
    assert.equal(statSync(join(dir, 'signing-key.next.pem')).mode & 0o777, 0o600);

    assert.match(rotateSigningKey(dir), /now signs/);
    const after = loadSigningKeys(dir);
    assert.equal(after.currentKeyId, nextId);
    // An agent that pinned both keys during the rotation accepts bundles from before and after it.
    const pinned = during.publicKeysPem.map((p) => loadPublicKey(p));
    for (const keys of [first, after]) {
      const bundle = signBundle({ serial: 1, issuedAt: new Date().toISOString(), policy: builtInPolicy() }, keys.current);
      assert.equal(verifyBundle(bundle, pinned).serial, 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
