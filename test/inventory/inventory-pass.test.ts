// Inventory over temp homes holding the real npm packages and catalog-faithful pipx/uv/Homebrew layouts.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runInventoryPass, type InventoryItem } from '../../agent/inventory/inventory-pass.ts';
import { MountFilter } from '../../agent/inventory/mount-filter.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { loadMatcher } from '../../cli/inventory-command.ts';
import { runCordon } from '../support/cli.ts';
import {
  addLookAlikes,
  installClaudeLocal,
  installClaudeNative,
  installGlobalNpm,
  installHomebrew,
  installNpxCache,
  installPipx,
  installUvTool,
  tempRoot,
} from '../support/tool-homes.ts';

describe('inventory pass', () => {
  let root: string;
  let alice: string;
  let bob: string;
  let stateDir: string;
  const matcher = new Matcher(builtInPolicy());
  const homes = () => [
    { user: 'alice', home: alice },
    { user: 'bob', home: bob },
  ];
  const pass = () => runInventoryPass({ stateDir, matcher, homes: homes(), machine: false, env: { PATH: '' } });
  const find = (items: InventoryItem[], toolId: string, rootPath: string) => items.find((i) => i.toolId === toolId && i.root === rootPath);

  before(() => {
    root = tempRoot('inventory');
    alice = join(root, 'home', 'alice');
    bob = join(root, 'srv', 'bob'); // homes need not live under /home
    stateDir = join(root, 'state');
    mkdirSync(alice, { recursive: true });
    mkdirSync(bob, { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('finds real npm installs, the npx cache, ~/.local/bin links, pipx, uv and Homebrew; never a look-alike', async () => {
    const claude = installGlobalNpm('claude-code', join(alice, '.npm-global'));
    const codex = installNpxCache('codex', alice);
    const gemini = installGlobalNpm('gemini-cli', join(alice, '.local')); // npm prefix=~/.local: bin is ~/.local/bin
    const pipx = installPipx(alice);
    const uv = installUvTool(bob);
    const brew = installHomebrew(bob);
    const native = installClaudeNative(bob);
    const local = installClaudeLocal(alice);
    const lookAlikes = addLookAlikes(alice);
    addLookAlikes(bob);
    // A renamed copy of the native binary in a personal bin dir: recognised by its content, not its name.
    mkdirSync(join(alice, 'bin'), { recursive: true });
    execFileSync('cp', [join(claude.packageDir, 'bin', 'claude.exe'), join(alice, 'bin', 'cc')]);
    chmodSync(join(alice, 'bin', 'cc'), 0o755);

    const r = await pass();
    const summary = r.items.map((i) => `${i.toolId} ${i.root} [${i.via}] ${i.entries.map((e) => e.path).join(',')}`).join('\n');
    assert.equal(r.stats.complete, true);

    const c = find(r.items, 'claude-code', claude.packageDir);
    assert.ok(c, summary);
    assert.equal(c.via, 'npm-global');
    assert.equal(c.version, '2.1.197');
    assert.equal(c.user, 'alice');
    assert.deepEqual(c.entries.map((e) => e.path), [claude.bin]);
    assert.equal(c.state, 'not-allowed');

    const x = find(r.items, 'codex', codex.packageDir);
    assert.ok(x, summary);
    assert.equal(x.via, 'npx-cache');
    assert.ok(x.entries.some((e) => e.path === codex.bin));

    const g = find(r.items, 'gemini-cli', gemini.packageDir);
    assert.ok(g, summary);
    assert.ok(g.entries.some((e) => e.path === join(alice, '.local', 'bin', 'gemini')), summary);

    const p = find(r.items, 'aider', pipx.venv);
    assert.ok(p, summary);
    assert.equal(p.via, 'pipx');
    assert.equal(p.version, '0.86.1');
    assert.deepEqual(p.entries.map((e) => e.path), [pipx.bin]);

    assert.ok(find(r.items, 'aider', uv.env)?.entries.some((e) => e.path === uv.bin), summary);
    assert.equal(find(r.items, 'aider', brew.keg)?.version, '0.86.1', summary);
    assert.ok(find(r.items, 'claude-code', brew.cask)?.entries.some((e) => e.path === join(bob, '.linuxbrew', 'bin', 'claude')), summary);
    assert.deepEqual(find(r.items, 'claude-code', native.binary)?.entries.map((e) => e.path), [native.bin], summary);
    assert.equal(find(r.items, 'claude-code', join(alice, 'bin', 'cc'))?.evidence, 'binary-marker', summary);
    assert.equal(find(r.items, 'claude-code', local.dir)?.evidence, 'install-location', summary);

    // Nothing else: the look-alikes (a folder named claude, scripts named codex/claude/gemini) are not tools.
    assert.equal(r.items.length, 10, summary);
    for (const path of lookAlikes) assert.ok(!r.items.some((i) => i.root === path || i.entries.some((e) => e.path === path)), `${path} reported:\n${summary}`);
    assert.ok(!r.items.some((i) => i.root.includes('/projects/') || i.root.endsWith('/.claude')), summary);

    assert.equal(r.events.filter((e) => e.type === 'install-found').length, 10);
    assert.equal(r.installed.length, 10);
    assert.ok(r.installed.every((t) => t.state === 'not-allowed' && t.name && t.foundAt));
  });

  test('an incremental pass reuses the cache, then sees a new install and a removal', async () => {
    const again = await pass();
    assert.equal(again.events.length, 0, JSON.stringify(again.events));
    assert.equal(again.stats.identified, 0, 'no file is re-identified when nothing changed');
    assert.ok(again.stats.dirsReused > again.stats.dirsRead);

    const added = installGlobalNpm('qwen-code', join(bob, '.nvm', 'versions', 'node', 'v20.19.0'));
    rmSync(join(alice, '.npm', '_npx'), { recursive: true });
    const r = await pass();
    const found = r.events.filter((e) => e.type === 'install-found');
    const removed = r.events.filter((e) => e.type === 'install-removed');
    assert.deepEqual(found.map((e) => [e.toolId, e.exe]), [['qwen-code', added.packageDir]]);
    assert.deepEqual(removed.map((e) => e.toolId), ['codex']);
    assert.equal(r.items.length, 10);
  });

  test('a network mount is skipped and an exhausted budget never claims a removal', async () => {
    const skipped = await runInventoryPass({ stateDir: join(root, 'state-mounts'), matcher, homes: homes(), machine: false, env: { PATH: '' }, mounts: new MountFilter([bob]) });
    assert.ok(skipped.items.every((i) => !i.root.startsWith(bob)));
    assert.ok(skipped.stats.skippedMounts > 0);

    const tight = await runInventoryPass({ stateDir, matcher, homes: homes(), machine: false, env: { PATH: '' }, budget: { maxEntries: 5 } });
    assert.equal(tight.stats.complete, false);
    assert.equal(tight.events.filter((e) => e.type === 'install-removed').length, 0);
    const full = await pass();
    assert.equal(full.events.length, 0, 'the truncated pass forgot nothing');
  });

  test('cordon inventory --home lists the same installs, as text and as JSON', () => {
    const json = runCordon(['inventory', '--json', '--home', alice, '--state-dir', join(root, 'state-cli')]);
    assert.equal(json.status, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { installed: { toolId: string; path: string; state: string }[]; stats: { complete: boolean } };
    assert.equal(out.stats.complete, true);
    assert.deepEqual(out.installed.map((i) => i.toolId).sort(), ['aider', 'claude-code', 'claude-code', 'claude-code', 'gemini-cli']);
    const text = runCordon(['inventory', '--home', alice, '--state-dir', join(root, 'state-cli')]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Claude Code 2\.1\.197 {2}not-allowed {2}\(npm-global, /);
    assert.match(text.stdout, /← .*\/\.npm-global\/bin\/claude/);
    assert.match(text.stdout, /5 found in \d+ locations/);
    const bad = runCordon(['inventory', '--home', join(root, 'nope')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--home .*nope: no such directory/);
  });

  test('a large renamed native build is found by its whole-file SHA-256 (hashed once, then cached)', async () => {
    const content = Buffer.alloc(12 * 1024 * 1024, 0x5a);
    content.write('internal agent build 7', 0);
    const sha = createHash('sha256').update(content).digest('hex');
    const dir = join(bob, 'tools');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'helper'), content, { mode: 0o755 });
    writeFileSync(join(dir, 'helper-changed'), Buffer.concat([content, Buffer.from('!')]), { mode: 0o755 });
    const policyFile = join(root, 'hash-policy.yaml');
    writeFileSync(policyFile, `schemaVersion: 1\nid: h\nname: H\nmode: enforce\ncustomTools:\n  - { id: acme-agent, name: ACME agent, sha256: ["${sha}"] }\nrules:\n  - { id: r, tools: [acme-agent], action: block }\n`);
    const hashMatcher = loadMatcher(policyFile);
    const options = { stateDir: join(root, 'state-hash'), matcher: hashMatcher, homes: homes(), machine: false, sweepHomes: false, env: { PATH: dir } };
    const r = await runInventoryPass(options);
    assert.deepEqual(r.items.map((i) => [i.toolId, i.root, i.evidence]), [['acme-agent', join(dir, 'helper'), 'sha256']]);
    assert.ok(r.stats.hashed >= 2, 'both candidates hashed (and the big binaries the custom policy does not know)');
    const again = await runInventoryPass(options);
    assert.equal(again.stats.hashed, 0);
    assert.equal(again.items.length, 1);
  });

  test("a directory only a user's live PATH names is read (from their processes)", async () => {
    const tools = join(alice, 'opt', 'tools', 'bin');
    mkdirSync(tools, { recursive: true });
    const gemini = installGlobalNpm('gemini-cli', join(root, 'elsewhere'));
    symlinkSync(join(gemini.packageDir, 'bundle', 'gemini.js'), join(tools, 'gem'));
    const options = { matcher, homes: [{ user: 'alice', uid: process.getuid!(), home: alice }], machine: false, sweepHomes: false, env: { PATH: '' } };
    const without = await runInventoryPass({ ...options, stateDir: join(root, 'state-path-1') });
    assert.ok(!without.items.some((i) => i.root === gemini.packageDir));
    const shell = spawn('sleep', ['30'], { env: { PATH: `/usr/bin:${tools}` }, stdio: 'ignore' });
    await once(shell, 'spawn');
    try {
      const r = await runInventoryPass({ ...options, stateDir: join(root, 'state-path-2') });
      const hit = r.items.find((i) => i.root === gemini.packageDir);
      assert.ok(hit, r.items.map((i) => i.root).join('\n'));
      assert.deepEqual(hit.entries.map((e) => e.path), [join(tools, 'gem')]);
      assert.equal(hit.via, 'path');
    } finally {
      shell.kill();
    }
  });
});
