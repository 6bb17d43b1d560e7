// Content evidence that survives copying and renaming: real released packages from the catalog-verify cache,
// judged with no package.json or install path to help, and the look-alikes that must stay unmatched.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readUserFile } from '../../policy/user-file-reader.ts';
import { interpreterByContent } from '../../policy/interpreter-content.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { runCatalogVerify } from '../../scripts/catalog-verify.ts';
import { REAL_TOOL_RELEASES, releaseFile } from '../support/real-tool-releases.ts';
import { requireSystemPart } from '../support/system-part.ts';

test('catalog:verify --fast: no cached release is taken for another tool, and no look-alike matches', (t) => {
  const result = runCatalogVerify({ fast: true });
  if (result.rows.length === 0) return t.skip('no releases cached: run `npm run catalog:verify` once (needs the npm registry)');
  const wrong = result.rows.filter((r) => r.toolId !== null && !r.ok).map((r) => `${r.pkg}@${r.version} → ${r.toolId}`);
  assert.deepEqual(wrong, []);
  assert.deepEqual(result.lookAlikes.filter((l) => !l.ok).map((l) => `${l.name} → ${l.toolId}`), []);
  // Forks (Kilo of OpenCode, Qwen Code and Qoder of Gemini CLI): with its own entry left out of the catalog, no
  // release would be taken for another tool, so catalog order is not what keeps a renamed Kilo from being OpenCode.
  assert.deepEqual(result.rows.filter((r) => r.otherwise !== null).map((r) => `${r.pkg}@${r.version} → ${r.otherwise}`), []);
  const kilo = result.rows.filter((r) => r.expected === 'kilo-code' && r.toolId !== null);
  if (kilo.length) assert.ok(kilo.every((r) => r.toolId === 'kilo-code' && r.otherwise === null));
  // The Claude Agent SDK's own modules (sdk.mjs and the chunks it loads) are not Claude Code by content.
  const sdk = result.lookAlikes.filter((l) => l.name.startsWith('@anthropic-ai/claude-agent-sdk@'));
  if (sdk.length) assert.ok(sdk.every((l) => l.toolId === null));
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

// ~/.local/bin/goose is where Block's installer puts goose (Rust) and where people put pressly/goose (Go, database
// migrations). Real binaries are placed at that path inside a mount-namespace-style root (the agent reads a
// process's files through /proc/<pid>/root the same way): a Go binary there is not goose; a non-Go binary is, by
// location (Block's real binary is on GitHub, unreachable here: git, a C binary, stands in); a binary that is
// another tool by content stays that tool.
const goBinary = requireSystemPart({ binary: '/usr/bin/fzf', debianPackage: 'fzf' });
test('~/.local/bin/goose: a non-Go binary there is goose by location; a Go binary there (pressly/goose) is nothing', { skip: goBinary }, () => {
  const root = mkdtempSync(join(tmpdir(), 'cordon-goose-'));
  try {
    const matcher = new Matcher(builtInPolicy());
    const place = (user: string, from: string) => {
      mkdirSync(join(root, 'home', user, '.local', 'bin'), { recursive: true });
      copyFileSync(from, join(root, 'home', user, '.local', 'bin', 'goose'));
      return `/home/${user}/.local/bin/goose`;
    };
    const nonGo = matcher.identifier.identifyFile(place('ann', '/usr/bin/git'), 'native', { root });
    assert.equal(nonGo?.toolId, 'goose');
    assert.equal(nonGo.evidence, 'install-location');
    assert.equal(matcher.identifier.identifyFile(place('bob', '/usr/bin/fzf'), 'native', { root }), null);
    // Not there at all: the path alone says nothing.
    assert.equal(matcher.identifier.identifyFile('/home/carol/.local/bin/goose', 'native', { root }), null);
    assert.ok(!existsSync(join(root, 'home', 'carol')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Jules' installer replaces npm's bin link with its Go binary in npm's global bin folder (the binary itself is on
// Google's storage, unreachable here: fzf, a real Go binary, stands in). There only a Go binary is Jules: a user's
// own script or a C program named jules is nothing.
test("npm's global bin/jules: a Go binary there is Jules by location; a script or a C binary there is nothing", { skip: goBinary }, () => {
  const root = mkdtempSync(join(tmpdir(), 'cordon-jules-'));
  try {
    const matcher = new Matcher(builtInPolicy());
    const place = (dir: string, from: string) => {
      mkdirSync(join(root, dir), { recursive: true });
      copyFileSync(from, join(root, dir, 'jules'));
      return `/${dir}/jules`;
    };
    const go = matcher.identifier.identifyFile(place('usr/local/bin', '/usr/bin/fzf'), 'native', { root });
    assert.equal(go?.toolId, 'jules');
    assert.equal(go.evidence, 'install-location');
    assert.equal(matcher.identifier.identifyFile(place('home/ann/.npm-global/bin', '/usr/bin/git'), 'native', { root }), null, 'a C program named jules');
    mkdirSync(join(root, 'opt/homebrew/bin'), { recursive: true });
    writeFileSync(join(root, 'opt/homebrew/bin/jules'), '#!/bin/sh\necho my own jules\n', { mode: 0o755 });
    assert.equal(matcher.identifier.identifyFile('/opt/homebrew/bin/jules', 'native', { root }), null, "a user's script named jules");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('~/.local/bin/goose holding the real Codex binary (Rust) is Codex by content, not goose by location', (t) => {
  const codex = releaseFile(REAL_TOOL_RELEASES.find((r) => r.toolId === 'codex' && r.native)!);
  if (!existsSync(codex)) return t.skip('Codex release not cached');
  const root = mkdtempSync(join(tmpdir(), 'cordon-goose-'));
  try {
    mkdirSync(join(root, 'home', 'dan', '.local', 'bin'), { recursive: true });
    linkSync(codex, join(root, 'home', 'dan', '.local', 'bin', 'goose'));
    const found = new Matcher(builtInPolicy()).identifier.identifyFile('/home/dan/.local/bin/goose', 'native', { root });
    assert.equal(found?.toolId, 'codex');
    assert.equal(found.evidence, 'binary-marker');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
