// The precompiled built-in policy an installed agent starts on: the same policy the sources compile to, and
// ignored as soon as its sources beside it differ (a stale build must not enforce an old catalog).
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writePrecompiledBuiltInPolicy } from '../../build/precompile-built-in-policy.ts';
import { builtInPolicy } from '../../policy/built-in-policy.ts';
import { policyDigest } from '../../policy/policy-digest.ts';
import { readPrecompiledBuiltInPolicy } from '../../policy/precompiled-built-in-policy.ts';

const POLICY_DIR = fileURLToPath(new URL('../../policy/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cordon-precompiled-'));
after(() => rmSync(dir, { recursive: true, force: true }));
cpSync(join(POLICY_DIR, 'catalog'), join(dir, 'catalog'), { recursive: true });
cpSync(join(POLICY_DIR, 'default-policy.yaml'), join(dir, 'default-policy.yaml'));

test('the precompiled file holds the policy the sources compile to', () => {
  assert.equal(readPrecompiledBuiltInPolicy(dir), undefined, 'nothing before the build writes it');
  writePrecompiledBuiltInPolicy(dir);
  const precompiled = readPrecompiledBuiltInPolicy(dir);
  assert.deepEqual(precompiled, JSON.parse(JSON.stringify(builtInPolicy())));
  assert.equal(policyDigest(precompiled!), policyDigest(builtInPolicy()), 'status and heartbeats name the same policy either way');
});

test('a catalog changed after the build makes the precompiled file count for nothing', () => {
  writePrecompiledBuiltInPolicy(dir);
  appendFileSync(join(dir, 'catalog', 'codex.yaml'), '# edited after the build\n');
  assert.equal(readPrecompiledBuiltInPolicy(dir), undefined);
});
