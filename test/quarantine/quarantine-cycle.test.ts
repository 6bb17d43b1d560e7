// Quarantine of real CLIs found by inventory → the stub explains → restore (by command and by a policy change)
// → bit-identical files → the real tool runs again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runInventoryPass } from '../../agent/inventory/inventory-pass.ts';
import { QuarantineStore } from '../../agent/quarantine/quarantine-store.ts';
import { STUB_EXIT_CODE } from '../../agent/quarantine/quarantine-stub.ts';
import { compareSnapshots, snapshotTree, type SnapshotEntry } from '../../agent/quarantine/tree-snapshot.ts';
import { loadMatcher } from '../../cli/inventory-command.ts';
import { runCordon } from '../support/cli.ts';
import { installGlobalNpm, installNpxCache, tempRoot } from '../support/tool-homes.ts';

const policyYaml = (allowGemini: boolean) => `schemaVersion: 1
id: quarantine-test
name: Quarantine test
mode: enforce
rules:
${allowGemini ? '  - { id: gemini-ok, tools: [gemini-cli], action: allow }\n' : ''}  - id: vendor-clis
    tools: [claude-code, codex, gemini-cli]
    action: block
    installed: quarantine
    reason:
      en: "{tool} uploads the code it reads to {vendor}."
      zh-CN: "{tool} 会把读取的代码上传到 {vendor}。"
`;

describe('quarantine cycle', () => {
  let root: string;
  let home: string;
  let stateDir: string;
  let blockAll: string;
  let allowGemini: string;
  const tools: Record<string, { packageDir: string; bin: string; before: SnapshotEntry[] }> = {};

  before(async () => {
    root = tempRoot('quarantine');
    home = join(root, 'home', 'dev');
    stateDir = join(home, '.local', 'state', 'cordon'); // a user-scope agent keeps its store inside the home it sweeps
    mkdirSync(home, { recursive: true });
    blockAll = join(root, 'block.yaml');
    allowGemini = join(root, 'allow-gemini.yaml');
    writeFileSync(blockAll, policyYaml(false));
    writeFileSync(allowGemini, policyYaml(true));
    const claude = installGlobalNpm('claude-code', join(home, '.npm-global'));
    const gemini = installGlobalNpm('gemini-cli', join(home, '.local'));
    const codex = installNpxCache('codex', home);
    for (const [id, t] of Object.entries({ claude, gemini, codex })) tools[id] = { ...t, before: await snapshotTree(t.packageDir) };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const pass = (policy: string) =>
    runInventoryPass({ stateDir, matcher: loadMatcher(policy), homes: [{ user: 'dev', home }], machine: false, quarantine: new QuarantineStore(stateDir) });

  test('the pass quarantines what the policy says; each command becomes a stub that explains why', async () => {
    const r = await pass(blockAll);
    assert.deepEqual(r.stats.errors, []);
    assert.equal(r.stats.quarantined, 3);
    assert.deepEqual(r.events.filter((e) => e.type === 'quarantine').map((e) => e.toolId).sort(), ['claude-code', 'codex', 'gemini-cli']);
    for (const t of Object.values(tools)) assert.throws(() => lstatSync(t.packageDir), /ENOENT/);

    const run = spawnSync(tools.claude!.bin, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'en_US.UTF-8' } });
    assert.equal(run.status, STUB_EXIT_CODE);
    assert.match(run.stderr, /Cordon put Claude Code in quarantine/);
    assert.match(run.stderr, /Claude Code uploads the code it reads to Anthropic\./);
    const zh = spawnSync(tools.gemini!.bin, [], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'zh_CN.UTF-8' } });
    assert.equal(zh.status, STUB_EXIT_CODE);
    assert.match(zh.stderr, /Gemini CLI 会把读取的代码上传到 Google/);
    assert.equal(spawnSync(tools.codex!.bin, [], { encoding: 'utf8' }).status, STUB_EXIT_CODE);

    const again = await pass(blockAll);
    assert.equal(again.stats.quarantined, 0, 'a quarantined tool is not found again');
    assert.equal(again.installed.filter((i) => i.state === 'quarantined').length, 3);
  });

  test('cordon quarantine list and restore put the tool back bit-identical, and it runs', async () => {
    const list = runCordon(['quarantine', 'list', '--json', '--state-dir', stateDir]);
    assert.equal(list.status, 0, list.stderr);
    const items = (JSON.parse(list.stdout) as { items: { id: string; toolId: string; root: string; why: string }[] }).items;
    assert.equal(items.length, 3);
    const claude = items.find((i) => i.toolId === 'claude-code')!;
    assert.equal(claude.root, tools.claude!.packageDir);
    assert.match(claude.why, /uploads the code/);

    const restored = runCordon(['quarantine', 'restore', claude.id, '--state-dir', stateDir]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(compareSnapshots(tools.claude!.before, await snapshotTree(tools.claude!.packageDir), { mtime: true }), []);
    assert.equal(readlinkSync(tools.claude!.bin), '../lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe');
    const run = spawnSync(tools.claude!.bin, ['--version'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /2\.1\.197 \(Claude Code\)/);

    const unknown = runCordon(['quarantine', 'restore', 'codex-1-nope', '--state-dir', stateDir]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no quarantined item "codex-1-nope"/);
  });

  test('restore never overwrites what someone put in the tool\'s place', async () => {
    const store = new QuarantineStore(stateDir);
    const codex = store.list().find((m) => m.toolId === 'codex')!;
    mkdirSync(tools.codex!.packageDir, { recursive: true });
    writeFileSync(join(tools.codex!.packageDir, 'mine.txt'), 'my work\n');
    await assert.rejects(store.restore(codex.id), /exists and is not Cordon's stub/);
    assert.equal(store.list().length, 2, 'still in quarantine');
    rmSync(tools.codex!.packageDir, { recursive: true });
    await store.restore(codex.id);
    assert.deepEqual(compareSnapshots(tools.codex!.before, await snapshotTree(tools.codex!.packageDir)), []);
    assert.equal(spawnSync(tools.codex!.bin, ['--version'], { encoding: 'utf8' }).stdout.trim(), 'codex-cli 0.169.0');
  });

  test('a policy that allows the tool again restores it on the next pass', async () => {
    const r = await pass(allowGemini);
    assert.equal(r.stats.restored, 1);
    assert.deepEqual(r.events.filter((e) => e.type === 'restore').map((e) => e.toolId), ['gemini-cli']);
    // Restored before the scan, so the same pass reports it, now allowed.
    assert.equal(r.installed.find((i) => i.toolId === 'gemini-cli')?.state, 'allowed');
    assert.deepEqual(compareSnapshots(tools.gemini!.before, await snapshotTree(tools.gemini!.packageDir), { mtime: true }), []);
    const run = spawnSync(tools.gemini!.bin, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.stdout.trim(), '0.61.0', run.stderr);
    // Claude Code and Codex, restored by hand above, are still banned: the same pass put them back in quarantine.
    assert.deepEqual(new QuarantineStore(stateDir).list().map((m) => m.toolId).sort(), ['claude-code', 'codex']);
  });
});
