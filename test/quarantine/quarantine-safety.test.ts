// What quarantine must never do, and what restore must always bring back, on a small tool tree with the odd
// corners real installs have: a symlink out of the tree, a hard link, unusual modes and another user's files.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QuarantineStore, type QuarantineRequest } from '../../agent/quarantine/quarantine-store.ts';
import { compareSnapshots, snapshotTree } from '../../agent/quarantine/tree-snapshot.ts';
import { dirOnOtherFileSystem } from '../support/other-file-system.ts';
import { requireSetup } from '../support/system-part.ts';
import { tempRoot } from '../support/tool-homes.ts';

const asRoot = process.getuid?.() === 0;

describe('quarantine safety', () => {
  let root: string;
  let pkg: string;
  let bin: string;
  let other: string;
  let otherFs: { dir: string } | { missing: string };

  before(() => {
    root = tempRoot('quarantine-safety');
    pkg = join(root, 'prefix', 'lib', 'node_modules', '@openai', 'codex');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    mkdirSync(join(pkg, 'vendor'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"@openai/codex","version":"0.169.0"}\n');
    writeFileSync(join(pkg, 'bin', 'codex.js'), '#!/usr/bin/env node\nconsole.log("codex")\n');
    chmodSync(join(pkg, 'bin', 'codex.js'), 0o755);
    writeFileSync(join(pkg, 'vendor', 'codex'), Buffer.alloc(300_000, 7));
    chmodSync(join(pkg, 'vendor', 'codex'), 0o4750);
    linkSync(join(pkg, 'vendor', 'codex'), join(pkg, 'vendor', 'codex-hardlink'));
    symlinkSync('/usr/bin/env', join(pkg, 'vendor', 'env')); // points out of the tree: moved as a link, never followed
    if (asRoot) chownSync(join(pkg, 'package.json'), 1234, 5678);
    bin = join(root, 'prefix', 'bin', 'codex');
    mkdirSync(join(root, 'prefix', 'bin'));
    symlinkSync('../lib/node_modules/@openai/codex/bin/codex.js', bin);
    other = join(root, 'prefix', 'bin', 'env');
    symlinkSync('/usr/bin/env', other);
    otherFs = dirOnOtherFileSystem(root, 'safety');
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    if ('dir' in otherFs) rmSync(otherFs.dir, { recursive: true, force: true });
  });

  const request = (extra: Partial<QuarantineRequest> = {}): QuarantineRequest => ({
    toolId: 'codex',
    toolName: 'Codex CLI',
    root: pkg,
    entries: [
      { path: bin, stub: true },
      { path: other, stub: true },
    ],
    via: 'npm-global',
    evidence: 'npm-package',
    ruleId: 'r',
    reason: { en: 'Codex CLI uploads the code it reads to OpenAI.' },
    ...extra,
  });

  test('an unverified root, or a root that is a symlink, is never touched', async () => {
    const store = new QuarantineStore(join(root, 'state'));
    await assert.rejects(store.quarantine(request(), () => 'claude-code'), /not verified as codex \(claude-code\); nothing was moved/);
    await assert.rejects(store.quarantine(request(), () => null), /not verified/);
    await assert.rejects(store.quarantine(request({ root: bin }), () => 'codex'), /is a symlink/);
    assert.ok(lstatSync(join(pkg, 'package.json')).isFile());
    assert.equal(store.list().length, 0);
  });

  for (const where of ['same file system', 'across file systems'] as const) {
    test(`${where}: links out of the tree are moved as links; modes, owners, hard links and times come back exactly`, async (t) => {
      let stateDir = join(root, 'state');
      if (where === 'across file systems') {
        // No second file system skips (and fails under CI): a same-device run would only test renames again.
        const missing = requireSetup('missing' in otherFs ? otherFs.missing : undefined);
        if (missing || !('dir' in otherFs)) return t.skip(missing);
        stateDir = join(otherFs.dir, 'state');
      }
      const before = await snapshotTree(pkg);
      const toolDevice = statSync(pkg).dev;
      const store = new QuarantineStore(stateDir);
      const m = await store.quarantine(request(), () => 'codex');
      const devices = new Set([toolDevice, statSync(store.dir).dev]);
      assert.equal(devices.size, where === 'same file system' ? 1 : 2, `${where}: the store and the tool are on ${devices.size} device(s)`);
      assert.deepEqual(m.moves.map((mv) => mv.from), [pkg, bin], 'the unrelated command linking out of the tree is left alone');
      assert.equal(readlinkSync(other), '/usr/bin/env');
      assert.equal(lstatSync('/usr/bin/env').isFile(), true, 'a link target outside the tree is never moved');
      assert.equal(lstatSync(store.dir).mode & 0o777, 0o700);
      const payload = await snapshotTree(join(store.dir, m.id, 'payload', '0'));
      assert.deepEqual(compareSnapshots(before, payload, { mtime: true }), []);
      assert.equal(payload.find((e) => e.rel === 'vendor/env')?.target, '/usr/bin/env');

      await store.restore(m.id);
      assert.deepEqual(compareSnapshots(before, await snapshotTree(pkg), { mtime: true }), []);
      assert.equal(lstatSync(join(pkg, 'vendor', 'codex')).ino, lstatSync(join(pkg, 'vendor', 'codex-hardlink')).ino, 'hard link kept');
      if (asRoot) assert.equal(lstatSync(join(pkg, 'package.json')).uid, 1234);
      assert.equal(readlinkSync(bin), '../lib/node_modules/@openai/codex/bin/codex.js');
      assert.equal(store.list().length, 0);
    });
  }

  test('restore recreates parent directories that were removed meanwhile', async () => {
    const store = new QuarantineStore(join(root, 'state-parents'));
    const before = await snapshotTree(pkg);
    const m = await store.quarantine(request(), () => 'codex');
    rmSync(join(root, 'prefix', 'lib'), { recursive: true });
    await store.restore(m.id);
    assert.deepEqual(compareSnapshots(before, await snapshotTree(pkg)), []);
  });

  test('a root reached through a symlinked directory is moved at its real location', async () => {
    const via = join(root, 'dotfiles-prefix');
    symlinkSync(join(root, 'prefix'), via);
    const store = new QuarantineStore(join(root, 'state-real'));
    const before = await snapshotTree(pkg);
    const m = await store.quarantine(request({ root: join(via, 'lib', 'node_modules', '@openai', 'codex') }), () => 'codex');
    assert.equal(m.root, pkg);
    assert.equal(m.moves[0]!.from, pkg);
    assert.ok(lstatSync(via).isSymbolicLink(), 'the symlinked directory itself is untouched');
    await store.restore(m.id);
    assert.deepEqual(compareSnapshots(before, await snapshotTree(pkg)), []);
  });

  test('a quarantined copy that was altered is not restored', async () => {
    const store = new QuarantineStore(join(root, 'state'));
    const m = await store.quarantine(request(), () => 'codex');
    writeFileSync(join(store.dir, m.id, 'payload', '0', 'bin', 'codex.js'), 'tampered\n');
    await assert.rejects(store.restore(m.id), /was altered .*bin\/codex\.js: size/);
    assert.equal(store.list().length, 1);
  });
});
