// One real, pinned release file for every catalogued tool that has content evidence (byte markers or sha256):
// the file that runs on linux-x64, fetched from the npm registry with `npm pack` into the catalog-verify cache
// (scripts/catalog-verify/package-cache.ts). The versions are the ones each catalog entry records as verified,
// except amp, factory-droid and kilo-code: the registry this suite reaches no longer serves the platform
// packages of those versions, so the nearest published ones are pinned (what `npm view … versions` lists).
import { join } from 'node:path';
import { cachedPackage } from '../../scripts/catalog-verify/package-cache.ts';

export interface RealToolRelease {
  toolId: string;
  pkg: string;
  version: string;
  /** Package-relative path of the file the tool runs. */
  file: string;
  /** An ELF executable (run directly) rather than a script run by node. */
  native: boolean;
  /** What the matcher reports when it differs from the entry's id: codex-acp is Codex reached via codex-acp. */
  identifiedAs?: { toolId: string; via: string };
  /** Only a full-file SHA-256 identifies it (no byte markers): inventory hashes it, the process matcher cannot. */
  hashOnly?: true;
  /**
   * A loader (`file`) whose evidence is on a package file it loads: the test copies the package without its
   * package.json under an innocent name and renames the entry; the files node then opens carry the evidence.
   */
  loader?: true;
  /** Arguments that keep the binary running long enough to be read from /proc (default `--version`): these wait
   * for a prompt on stdin, which the test never sends. */
  launchArgs?: readonly string[];
}

export const REAL_TOOL_RELEASES: readonly RealToolRelease[] = [
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-code-linux-x64', version: '2.1.197', file: 'claude', native: true },
  { toolId: 'codex', pkg: '@openai/codex', version: '0.169.0-linux-x64', file: 'vendor/x86_64-unknown-linux-musl/bin/codex', native: true, launchArgs: ['exec', '--skip-git-repo-check'] },
  { toolId: 'opencode', pkg: 'opencode-linux-x64', version: '1.18.33', file: 'bin/opencode', native: true },
  { toolId: 'cline', pkg: '@cline/cli-linux-x64', version: '3.0.65', file: 'bin/cline', native: true },
  { toolId: 'copilot-cli', pkg: '@github/copilot-linux-x64', version: '1.0.102', file: 'copilot', native: true },
  { toolId: 'copilot-cli', pkg: '@github/copilot', version: '1.0.102', file: 'npm-loader.js', native: false },
  { toolId: 'amp', pkg: '@ampcode/cli-linux-x64', version: '0.0.1790142911-g7618fb', file: 'amp', native: true },
  { toolId: 'factory-droid', pkg: '@factory/cli-linux-x64', version: '0.225.2', file: 'bin/droid', native: true, launchArgs: ['exec'] },
  { toolId: 'kilo-code', pkg: '@kilocode/cli-linux-x64', version: '7.7.9', file: 'bin/kilo', native: true },
  { toolId: 'auggie', pkg: '@augmentcode/auggie', version: '0.36.0', file: 'augment.mjs', native: false },
  { toolId: 'grok-cli', pkg: '@vibe-kit/grok-cli', version: '0.0.34', file: 'dist/index.js', native: false },
  { toolId: 'qoder-cli', pkg: '@qoder-ai/qodercli', version: '1.1.52', file: 'bundle/qodercli.js', native: false },
  { toolId: 'kimi-code', pkg: '@moonshot-ai/kimi-code', version: '2.1.0', file: 'dist/main.mjs', native: false },
  { toolId: 'letta-code', pkg: '@letta-ai/letta-code', version: '0.32.18', file: 'letta.js', native: false },
  { toolId: 'openclaw', pkg: 'openclaw', version: '2026.9.6', file: 'openclaw.mjs', native: false },
  { toolId: 'codex-acp', pkg: '@zed-industries/codex-acp', version: '0.16.0', file: 'bin/codex-acp.js', native: false, identifiedAs: { toolId: 'codex', via: 'codex-acp' } },
  { toolId: 'codex', pkg: '@openai/codex', version: '0.171.0', file: 'bin/codex.js', native: false },
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-code', version: '2.0.77', file: 'cli.js', native: false },
  { toolId: 'qwen-code', pkg: '@qwen-code/qwen-code', version: '0.15.10', file: 'cli.js', native: false },
  { toolId: 'qwen-code', pkg: '@qwen-code/qwen-code', version: '0.24.4', file: 'cli-entry.js', native: false },
  { toolId: 'openclaw', pkg: 'openclaw-cn', version: '2026.1.31', file: 'dist/entry.js', native: false },
  { toolId: 'codebuff', pkg: 'codebuff', version: '1.0.685', file: 'index.js', native: false, loader: true },
  { toolId: 'gemini-cli', pkg: '@google/gemini-cli', version: '0.61.0', file: 'bundle/gemini.js', native: false, loader: true },
  { toolId: 'continue-cli', pkg: '@continuedev/cli', version: '1.5.47', file: 'dist/cn.js', native: false, loader: true },
  { toolId: 'pi-coding-agent', pkg: '@mariozechner/pi-coding-agent', version: '0.73.1', file: 'dist/cli.js', native: false, loader: true },
  { toolId: 'codebuddy-code', pkg: '@tencent-ai/agent-sdk', version: '0.3.201', file: 'cli/bin/codebuddy', native: false },
  { toolId: 'jules', pkg: '@google/jules', version: '0.1.42', file: 'run.cjs', native: false },
  { toolId: 'junie', pkg: '@jetbrains/junie', version: '3110.7.0', file: 'shim/junie', native: false },
  { toolId: 'claude-code-acp', pkg: '@zed-industries/claude-code-acp', version: '0.16.2', file: 'dist/index.js', native: false, loader: true, identifiedAs: { toolId: 'claude-code', via: 'claude-code-acp' } },
];

/** Tools with content evidence whose real files this machine cannot fetch (only the npm registry is reachable). */
export const NOT_FETCHABLE: Readonly<Record<string, string>> = {
  crush: 'the npm package is a GoReleaser launcher; its postinstall downloads the Go binary from GitHub releases',
};

/** The release's file in the cache, fetched on first use (needs the npm registry once). */
export function releaseFile(r: RealToolRelease): string {
  return join(cachedPackage(r.pkg, r.version), r.file);
}
