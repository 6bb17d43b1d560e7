// Content evidence that survives copying and renaming: real released packages from the catalog-verify cache,
// judged with no package.json or install path to help, and the look-alikes that must stay unmatched.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readUserFile } from '../../policy/user-file-reader.ts';
import { interpreterByContent } from '../../policy/interpreter-content.ts';
import { runCatalogVerify } from '../../scripts/catalog-verify.ts';

test('catalog:verify --fast: no cached release is taken for another tool, and no look-alike matches', (t) => {
  const result = runCatalogVerify({ fast: true });
  if (result.rows.length === 0) return t.skip('no releases cached: run `npm run catalog:verify` once (needs the npm registry)');
  const wrong = result.rows.filter((r) => r.toolId !== null && !r.ok).map((r) => `${r.pkg}@${r.version} → ${r.toolId}`);
  assert.deepEqual(wrong, []);
  assert.deepEqual(result.lookAlikes.filter((l) => !l.ok).map((l) => `${l.name} → ${l.toolId}`), []);
  // The native builds the catalog marks by section are recognised by content alone in every cached release.
  for (const id of ['claude-code', 'amp', 'cline', 'opencode']) {
    const rows = result.rows.filter((r) => r.expected === id && !r.file.endsWith('.js'));
    if (rows.length) assert.ok(rows.every((r) => r.ok), `${id}: ${rows.filter((r) => !r.ok).map((r) => r.version).join(', ')} not recognised`);
  }
});

test('node copied under another name is still node; other binaries are not interpreters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-interp-'));
  try {
    const copy = join(dir, 'n');
    copyFileSync(process.execPath, copy);
    const kind = (p: string) => interpreterByContent((o, l) => readUserFile(p, o, l), statSync(p).size);
    assert.equal(kind(copy), 'node');
    assert.equal(kind('/usr/bin/git'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
