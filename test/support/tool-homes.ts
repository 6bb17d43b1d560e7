// Temporary homes laid out the way AI CLIs really land on a workstation: the real npm packages (from
// real-clis.ts) in a global npm prefix, the npx cache and behind a ~/.local/bin symlink; pipx, `uv tool` and
// Homebrew layouts built from the catalog's facts (PyPI and Homebrew are not reachable from here); and benign
// look-alikes that must never be reported.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { installRealCli, REAL_CLIS, type RealCliId } from './real-clis.ts';

export function tempRoot(tag: string): string {
  return mkdtempSync(join(tmpdir(), `cordon-${tag}-`));
}

/** A copy of a real CLI's package tree. `hardlink` shares file contents with the cache (instant, read-only use). */
function copyTree(from: string, to: string, hardlink: boolean): void {
  mkdirSync(dirname(to), { recursive: true });
  execFileSync('cp', [hardlink ? '-al' : '-a', from, to]);
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), target), at);
}

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

/** `npm install -g PKG` with prefix `prefix`: PREFIX/lib/node_modules/PKG and PREFIX/bin/NAME → the bin target. */
export function installGlobalNpm(id: RealCliId, prefix: string, hardlink = true): { packageDir: string; bin: string } {
  const cli = installRealCli(id);
  const spec = REAL_CLIS[id];
  const packageDir = join(prefix, 'lib', 'node_modules', ...spec.pkg.split('/'));
  copyTree(cli.packageDir, packageDir, hardlink);
  const bin = join(prefix, 'bin', spec.bin);
  const target = execFileSync('readlink', [cli.bin], { encoding: 'utf8' }).trim();
  mkdirSync(dirname(bin), { recursive: true });
  symlinkSync(target, bin);
  return { packageDir, bin };
}

/** What `npx PKG` leaves: ~/.npm/_npx/<hash>/{package.json, node_modules/PKG, node_modules/.bin/NAME}. */
export function installNpxCache(id: RealCliId, home: string, hash = '8a9f2c1d0b3e4f56'): { packageDir: string; bin: string } {
  const cli = installRealCli(id);
  const spec = REAL_CLIS[id];
  const base = join(home, '.npm', '_npx', hash);
  write(join(base, 'package.json'), JSON.stringify({ dependencies: { [spec.pkg]: `^${spec.version}` } }));
  const packageDir = join(base, 'node_modules', ...spec.pkg.split('/'));
  copyTree(cli.packageDir, packageDir, true);
  const target = execFileSync('readlink', [cli.bin], { encoding: 'utf8' }).trim().replace('../lib/node_modules/', '../');
  const bin = join(base, 'node_modules', '.bin', spec.bin);
  mkdirSync(dirname(bin), { recursive: true });
  symlinkSync(target, bin);
  return { packageDir, bin };
}

const AIDER_SCRIPT = (python: string) => `#!${python}
# -*- coding: utf-8 -*-
import re
import sys
from aider.main import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
`;

/**
 * A Python tool environment as pipx and `uv tool` create it (catalog: aider-chat, module aider, console script
 * `aider` doing `from aider.main import main`). bin/python links out of the tree to the system interpreter.
 */
export function buildPythonToolEnv(envDir: string, version = '0.86.1'): { script: string } {
  write(join(envDir, 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n');
  mkdirSync(join(envDir, 'bin'), { recursive: true });
  symlinkSync('/usr/bin/python3', join(envDir, 'bin', 'python'));
  const sp = join(envDir, 'lib', 'python3.12', 'site-packages');
  write(join(sp, 'aider', '__init__.py'), `__version__ = "${version}"\n`);
  write(join(sp, 'aider', 'main.py'), 'def main():\n    print("aider")\n    return 0\n');
  write(join(sp, `aider_chat-${version}.dist-info`, 'METADATA'), `Metadata-Version: 2.1\nName: aider-chat\nVersion: ${version}\n`);
  write(join(sp, `aider_chat-${version}.dist-info`, 'entry_points.txt'), '[console_scripts]\naider = aider.main:main\n');
  write(join(sp, `aider_chat-${version}.dist-info`, 'top_level.txt'), 'aider\n');
  write(join(sp, 'requests', '__init__.py'), '');
  const script = join(envDir, 'bin', 'aider');
  write(script, AIDER_SCRIPT(join(envDir, 'bin', 'python')), 0o755);
  return { script };
}

export function installPipx(home: string): { venv: string; bin: string } {
  const venv = join(home, '.local', 'pipx', 'venvs', 'aider-chat');
  const { script } = buildPythonToolEnv(venv);
  const bin = join(home, '.local', 'bin', 'aider');
  link(script, bin);
  return { venv, bin };
}

export function installUvTool(home: string): { env: string; bin: string } {
  const env = join(home, '.local', 'share', 'uv', 'tools', 'aider-chat');
  const { script } = buildPythonToolEnv(env);
  write(join(env, 'uv-receipt.toml'), '[tool]\nrequirements = [{ name = "aider-chat" }]\nentrypoints = [{ name = "aider", install-path = "~/.local/bin/aider" }]\n');
  const bin = join(home, '.local', 'bin', 'aider');
  link(script, bin);
  return { env, bin };
}

/** Homebrew on Linux in a user's home: formula `aider` in the Cellar, cask `claude-code` in the Caskroom. */
export function installHomebrew(home: string): { keg: string; cask: string; bins: string[] } {
  const brew = join(home, '.linuxbrew');
  const keg = join(brew, 'Cellar', 'aider');
  const libexec = join(keg, '0.86.1', 'libexec');
  const { script } = buildPythonToolEnv(libexec);
  write(join(keg, '0.86.1', 'INSTALL_RECEIPT.json'), JSON.stringify({ homebrew_version: '4.4.0', source: { tap: 'homebrew/core' } }));
  link(script, join(keg, '0.86.1', 'bin', 'aider'));
  link(join(keg, '0.86.1', 'bin', 'aider'), join(brew, 'bin', 'aider'));
  const claude = installRealCli('claude-code');
  const cask = join(brew, 'Caskroom', 'claude-code');
  mkdirSync(join(cask, '2.1.197'), { recursive: true });
  execFileSync('ln', [join(claude.packageDir, 'bin', 'claude.exe'), join(cask, '2.1.197', 'claude')]);
  link(join(cask, '2.1.197', 'claude'), join(brew, 'bin', 'claude'));
  return { keg, cask, bins: [join(brew, 'bin', 'aider'), join(brew, 'bin', 'claude')] };
}

/** Claude Code's native installer: ~/.local/share/claude/versions/<ver>, ~/.local/bin/claude → it. */
export function installClaudeNative(home: string): { binary: string; bin: string } {
  const claude = installRealCli('claude-code');
  const binary = join(home, '.local', 'share', 'claude', 'versions', '2.1.197');
  mkdirSync(dirname(binary), { recursive: true });
  execFileSync('ln', [join(claude.packageDir, 'bin', 'claude.exe'), binary]);
  const bin = join(home, '.local', 'bin', 'claude');
  link(binary, bin);
  return { binary, bin };
}

/** Things named like AI CLIs that are not: none of them may be reported. */
export function addLookAlikes(home: string): string[] {
  const paths = [
    join(home, 'projects', 'claude', 'notes.md'),
    join(home, 'projects', 'claude', 'package.json'),
    join(home, '.local', 'bin', 'codex'),
    join(home, 'bin', 'claude'),
    join(home, 'bin', 'gemini'),
    join(home, '.claude', 'settings.json'),
  ];
  write(paths[0]!, '# Notes on Claude Shannon\n');
  write(paths[1]!, JSON.stringify({ name: 'claude-notes', version: '1.0.0', bin: { claude: 'index.js' } }));
  write(paths[2]!, '#!/bin/sh\n# my own codex: a code-index helper\nexec ctags -R "$@"\n', 0o755);
  write(paths[3]!, '#!/usr/bin/env python3\nfrom mytools.claude import main\nmain()\n', 0o755);
  write(paths[4]!, '#!/bin/sh\necho "gemini: a constellation"\n', 0o755);
  write(paths[5]!, '{"theme":"dark"}\n');
  return paths;
}

/** Claude Code's legacy local install: ~/.claude/local/{package.json, node_modules/…, claude wrapper script}. */
export function installClaudeLocal(home: string): { dir: string; wrapper: string } {
  const claude = installRealCli('claude-code');
  const dir = join(home, '.claude', 'local');
  write(join(dir, 'package.json'), JSON.stringify({ name: 'claude-local', version: '0.0.1', private: true, dependencies: { '@anthropic-ai/claude-code': '^2.1.197' } }));
  copyTree(claude.packageDir, join(dir, 'node_modules', '@anthropic-ai', 'claude-code'), true);
  link(join(dir, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'), join(dir, 'node_modules', '.bin', 'claude'));
  const wrapper = join(dir, 'claude');
  write(wrapper, '#!/bin/bash\nexec "$HOME/.claude/local/node_modules/.bin/claude" "$@"\n', 0o755);
  return { dir, wrapper };
}
