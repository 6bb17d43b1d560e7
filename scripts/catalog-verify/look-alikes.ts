// Files that must never be taken for a catalogued tool: interpreters and big binaries of this machine, and
// real npm packages whose names or contents look like a tool's (fetched into the same cache when reachable).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_VERIFY_CACHE } from './package-cache.ts';

export interface LookAlike {
  name: string;
  path: string;
  kind: 'native' | 'script';
}

const SYSTEM = ['/usr/bin/node', '/usr/bin/python3.11', '/usr/bin/git', '/usr/bin/gdb', '/usr/bin/vim.basic', '/usr/lib/postgresql/15/bin/postgres'];

/** npm packages that look like a tool: cursor-agent (not Cursor's CLI), an ACP library, SDK clients. */
export const LOOK_ALIKE_PACKAGES: { pkg: string; file: string; why: string }[] = [
  { pkg: 'cursor-agent', file: 'dist/index.js', why: 'an unrelated npm package named like Cursor CLI' },
  { pkg: '@anthropic-ai/sdk', file: 'index.js', why: 'the Anthropic API client: a project depending on it runs no agent' },
  { pkg: 'openai', file: 'index.js', why: 'the OpenAI API client' },
  { pkg: '@agentclientprotocol/sdk', file: 'dist/acp.js', why: 'the ACP protocol library the adapters use' },
  { pkg: '@letta-ai/letta-client', file: 'index.js', why: 'the Letta API client, bundled at the head of Letta Code: an app using it runs no agent' },
  { pkg: '@google/jules-sdk', file: 'dist/index.mjs', why: "the Jules API client: a project depending on it runs no Jules CLI" },
  { pkg: '@tencent-ai/agent-sdk', file: 'lib/index.js', why: "the CodeBuddy SDK's own library code, which an app depending on it loads without running the CLI" },
];

export function lookAlikeFiles(): LookAlike[] {
  const out: LookAlike[] = SYSTEM.filter((p) => existsSync(p)).map((p) => ({ name: p, path: p, kind: 'native' as const }));
  if (!existsSync(CATALOG_VERIFY_CACHE)) return out;
  for (const l of LOOK_ALIKE_PACKAGES) {
    const prefix = `${l.pkg.replace('/', '+')}@`;
    for (const d of readdirSync(CATALOG_VERIFY_CACHE).filter((x) => x.startsWith(prefix) && !x.includes('.staging'))) {
      const path = join(CATALOG_VERIFY_CACHE, d, 'package', l.file);
      if (existsSync(path)) out.push({ name: `${l.pkg}@${d.slice(prefix.length)} (${l.why})`, path, kind: 'script' });
    }
  }
  return out;
}
