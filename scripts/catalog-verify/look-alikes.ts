// Files that must never be taken for a catalogued tool: interpreters and big binaries of this machine, and
// real npm packages whose names or contents look like a tool's (fetched into the same cache when reachable).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadedFiles } from './loaded-files.ts';
import { cachedPackage, CATALOG_VERIFY_CACHE, publishedVersions } from './package-cache.ts';

export interface LookAlike {
  name: string;
  path: string;
  kind: 'native' | 'script';
}

// fzf and kubectl are Go binaries, as are AWS Copilot CLI (`copilot`) and pressly/goose (`goose`).
const SYSTEM = ['/usr/bin/node', '/usr/bin/python3.11', '/usr/bin/git', '/usr/bin/gdb', '/usr/bin/vim.basic', '/usr/lib/postgresql/15/bin/postgres', '/usr/bin/fzf', '/usr/bin/kubectl'];

/** npm packages that look like a tool: cursor-agent (not Cursor's CLI), an ACP library, SDK clients. */
export const LOOK_ALIKE_PACKAGES: { pkg: string; file: string; why: string }[] = [
  { pkg: 'cursor-agent', file: 'dist/index.js', why: 'an unrelated npm package named like Cursor CLI' },
  { pkg: '@anthropic-ai/sdk', file: 'index.js', why: 'the Anthropic API client: a project depending on it runs no agent' },
  { pkg: 'openai', file: 'index.js', why: 'the OpenAI API client' },
  { pkg: '@agentclientprotocol/sdk', file: 'dist/acp.js', why: 'the ACP protocol library the adapters use' },
  { pkg: '@letta-ai/letta-client', file: 'index.js', why: 'the Letta API client, bundled at the head of Letta Code: an app using it runs no agent' },
  { pkg: '@google/jules-sdk', file: 'dist/index.mjs', why: "the Jules API client: a project depending on it runs no Jules CLI" },
  { pkg: '@tencent-ai/agent-sdk', file: 'lib/index.js', why: "the CodeBuddy SDK's own library code, which an app depending on it loads without running the CLI" },
  { pkg: '@anthropic-ai/claude-agent-sdk', file: 'sdk.mjs', why: 'the Claude Agent SDK library: importing it is not running Claude Code (the claude binary it spawns is)' },
  { pkg: '@anthropic-ai/claude-agent-sdk', file: 'core.mjs', why: 'the Agent SDK core entry (0.3+) and its chunks' },
  { pkg: '@anthropic-ai/claude-agent-sdk', file: 'bridge.mjs', why: 'the Agent SDK bridge entry (0.3+)' },
];

export function lookAlikeFiles(): LookAlike[] {
  const out: LookAlike[] = SYSTEM.filter((p) => existsSync(p)).map((p) => ({ name: p, path: p, kind: 'native' as const }));
  if (!existsSync(CATALOG_VERIFY_CACHE)) return out;
  for (const l of LOOK_ALIKE_PACKAGES) {
    const prefix = `${l.pkg.replace('/', '+')}@`;
    for (const d of readdirSync(CATALOG_VERIFY_CACHE).filter((x) => x.startsWith(prefix) && !x.includes('.staging'))) {
      const dir = join(CATALOG_VERIFY_CACHE, d, 'package');
      if (!existsSync(join(dir, l.file))) continue;
      // The file and every package file it loads: the exec guard judges each one an interpreter opens.
      for (const path of loadedFiles(dir, l.file))
        out.push({ name: `${l.pkg}@${d.slice(prefix.length)} ${path.slice(dir.length + 1)} (${l.why})`, path, kind: 'script' });
    }
  }
  return out;
}

/** Fetches the latest release of every look-alike package into the cache (the full run; --fast reads the cache). */
export function fetchLookAlikePackages(log?: (line: string) => void): void {
  for (const l of LOOK_ALIKE_PACKAGES) {
    try {
      const latest = publishedVersions(l.pkg).at(-1);
      if (latest) cachedPackage(l.pkg, latest);
    } catch (err) {
      log?.(`${l.pkg}: not fetched: ${String(err).split('\n')[0]}`);
    }
  }
}
