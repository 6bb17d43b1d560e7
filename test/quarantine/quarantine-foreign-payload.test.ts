// The interleaving the race test lost the tool to, driven step by step: a user swaps a symlink in at the tool's
// name between root's last check and its rename, so the symlink — not the tool — lands in the payload; the
// roll-back fails and the item is left 'moving' for recovery. Recovery must not take that symlink for the moved
// tool (and then remove the real tool as "the original of a complete copy"): the tool ends up held in the store,
// and the user's symlink is returned to them, not deleted.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QuarantineStore, type QuarantineManifest, type QuarantineRequest } from '../../agent/quarantine/quarantine-store.ts';
import { compareSnapshots, snapshotTree, type SnapshotEntry } from '../../agent/quarantine/tree-snapshot.ts';
import { tempRoot } from '../support/tool-homes.ts';

let root: string;
let pkg: string;
let bin: string;
let original: SnapshotEntry[];

before(async () => {
  root = tempRoot('quarantine-foreign');
  pkg = join(root, 'prefix', 'lib', 'node_modules', '@openai', 'codex');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"@openai/codex","version":"0.169.0"}\n');
  writeFileSync(join(pkg, 'bin', 'codex.js'), '#!/usr/bin/env node\nconsole.log("codex")\n', { mode: 0o755 });
  bin = join(root, 'prefix', 'bin', 'codex');
  mkdirSync(join(root, 'prefix', 'bin'));
  symlinkSync('../lib/node_modules/@openai/codex/bin/codex.js', bin);
  mkdirSync(join(root, 'elsewhere'));
  original = await snapshotTree(pkg);
});
after(() => rmSync(root, { recursive: true, force: true }));

const request = (): QuarantineRequest => ({
  toolId: 'codex',
  toolName: 'Codex CLI',
  root: pkg,
  entries: [{ path: bin, stub: true }],
  via: 'npm-global',
  evidence: 'npm-package',
  ruleId: 'test',
  reason: { en: 'Codex CLI uploads the code it reads to OpenAI.' },
});

test('recovery of a quarantine whose payload holds a swapped-in symlink keeps the tool and returns the symlink', async () => {
  const store = new QuarantineStore(join(root, 'state'));
  const done = await store.quarantine(request(), () => 'codex');
  const item = join(store.dir, done.id);
  // Back to the instant of the crash: nothing of the tool moved, the command not stubbed, and the symlink the
  // user swapped in at the tool's name sitting in the payload where the tool would be.
  renameSync(join(item, 'payload', '0'), pkg);
  unlinkSync(bin);
  renameSync(join(item, 'payload', '1'), bin);
  symlinkSync(join(root, 'elsewhere'), join(item, 'payload', '0'));
  const crashed: QuarantineManifest = { ...done, state: 'moving' };
  writeFileSync(join(item, 'manifest.json'), JSON.stringify(crashed));

  const report = await store.recover();

  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.completed, [done.id]);
  const held = join(item, 'payload', '0');
  assert.ok(lstatSync(held).isDirectory(), 'the tool itself is in the payload, not the symlink');
  assert.deepEqual(compareSnapshots(original, await snapshotTree(held)), []);
  assert.equal(existsSync(pkg), false);
  // The user's symlink is theirs: next to the tool's name, pointing where it did, nothing followed or removed.
  const returned = readdirSync(join(pkg, '..')).filter((n) => n.startsWith('codex.cordon-returned-'));
  assert.equal(returned.length, 1, `one returned entry in ${readdirSync(join(pkg, '..')).join(', ')}`);
  assert.equal(readlinkSync(join(pkg, '..', returned[0]!)), join(root, 'elsewhere'));
  assert.deepEqual(readdirSync(join(root, 'elsewhere')), []);
  // Restore then brings the whole tool back.
  await store.restore(done.id);
  assert.deepEqual(compareSnapshots(original, await snapshotTree(pkg)), []);
  assert.equal(readlinkSync(bin), '../lib/node_modules/@openai/codex/bin/codex.js');
  assert.equal(existsSync(item), false);
  assert.match(readFileSync(join(pkg, 'package.json'), 'utf8'), /@openai\/codex/);
});
