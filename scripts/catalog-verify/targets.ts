// What `catalog:verify` fetches for each catalogued npm tool: the package that carries the tool's code on
// linux-x64 and the file inside it that content evidence must recognise (the first candidate that exists in a
// given version: layouts change between releases). `older` is how many earlier releases join the latest.

export interface VerifyTarget {
  toolId: string;
  pkg: string;
  /** Package-relative candidates for the file the tool runs, first existing wins. */
  files: string[];
  older: number;
  /** Which published versions count (default: no prerelease tags). */
  keep?: (version: string) => boolean;
  /** Only the latest `span` releases are sampled. */
  span?: number;
}

const linuxX64Tag = (v: string) => v.endsWith('-linux-x64');
const anyVersion = () => true;
// Platform packages were first published as an empty 0.0.0 placeholder.
const released = (v: string) => !v.includes('-') && v !== '0.0.0';

export const VERIFY_TARGETS: VerifyTarget[] = [
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-code-linux-x64', files: ['claude'], older: 2, span: 200, keep: released },
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-code', files: ['cli.js'], older: 1, keep: (v) => /^(1\.|2\.0\.)/.test(v) },
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-agent-sdk-linux-x64', files: ['claude'], older: 1, span: 200, keep: released },
  { toolId: 'claude-code', pkg: '@anthropic-ai/claude-agent-sdk', files: ['cli.js'], older: 1, keep: (v) => /^0\.1\./.test(v) },
  { toolId: 'codex', pkg: '@openai/codex', files: ['vendor/x86_64-unknown-linux-musl/bin/codex', 'vendor/x86_64-unknown-linux-musl/codex/codex'], older: 2, keep: linuxX64Tag, span: 40 },
  { toolId: 'codex', pkg: '@openai/codex', files: ['bin/codex.js'], older: 2 },
  { toolId: 'codex', pkg: '@zed-industries/codex-acp-linux-x64', files: ['bin/codex-acp', 'codex-acp'], older: 2 },
  { toolId: 'codex-acp', pkg: '@zed-industries/codex-acp', files: ['bin/codex-acp.js'], older: 2 },
  { toolId: 'claude-code-acp', pkg: '@zed-industries/claude-code-acp', files: ['dist/index.js'], older: 2 },
  { toolId: 'gemini-cli', pkg: '@google/gemini-cli', files: ['bundle/gemini.js', 'dist/index.js'], older: 2 },
  { toolId: 'qwen-code', pkg: '@qwen-code/qwen-code', files: ['cli-entry.js', 'cli.js', 'dist/cli.js'], older: 2 },
  { toolId: 'opencode', pkg: 'opencode-linux-x64', files: ['bin/opencode'], older: 2 },
  { toolId: 'amp', pkg: '@ampcode/cli-linux-x64', files: ['bin/amp', 'amp'], older: 2, keep: anyVersion },
  { toolId: 'copilot-cli', pkg: '@github/copilot', files: ['index.js', 'npm-loader.js'], older: 2 },
  { toolId: 'copilot-cli', pkg: '@github/copilot-linux-x64', files: ['copilot'], older: 2 },
  { toolId: 'crush', pkg: '@charmland/crush', files: ['run-crush.js'], older: 2 },
  { toolId: 'continue-cli', pkg: '@continuedev/cli', files: ['dist/cn.js', 'dist/index.js'], older: 2 },
  { toolId: 'cline', pkg: '@cline/cli-linux-x64', files: ['bin/cline'], older: 2 },
  { toolId: 'kilo-code', pkg: '@kilocode/cli-linux-x64', files: ['bin/kilo'], older: 2 },
  { toolId: 'auggie', pkg: '@augmentcode/auggie', files: ['augment.mjs'], older: 2 },
  { toolId: 'factory-droid', pkg: '@factory/cli-linux-x64', files: ['bin/droid', 'droid'], older: 2 },
  { toolId: 'grok-cli', pkg: '@vibe-kit/grok-cli', files: ['dist/index.js'], older: 0 },
  { toolId: 'pi-coding-agent', pkg: '@mariozechner/pi-coding-agent', files: ['dist/cli.js'], older: 2 },
  { toolId: 'qoder-cli', pkg: '@qoder-ai/qodercli', files: ['bundle/qodercli.js'], older: 2 },
  { toolId: 'kimi-code', pkg: '@moonshot-ai/kimi-code', files: ['dist/main.mjs'], older: 2 },
  { toolId: 'codebuddy-code', pkg: '@tencent-ai/agent-sdk', files: ['cli/bin/codebuddy'], older: 2 },
  // What the SDK spawns: `node cli/dist/codebuddy-headless.js` (lib/transport/process-transport.js).
  { toolId: 'codebuddy-code', pkg: '@tencent-ai/agent-sdk', files: ['cli/dist/codebuddy-headless.js'], older: 2 },
  { toolId: 'openclaw', pkg: 'openclaw', files: ['openclaw.mjs'], older: 2 },
  { toolId: 'openclaw', pkg: 'openclaw-cn', files: ['dist/entry.js'], older: 0 },
  { toolId: 'codebuff', pkg: 'codebuff', files: ['index.js'], older: 2 },
  { toolId: 'letta-code', pkg: '@letta-ai/letta-code', files: ['letta.js'], older: 2 },
  { toolId: 'jules', pkg: '@google/jules', files: ['run.cjs'], older: 2 },
  { toolId: 'junie', pkg: '@jetbrains/junie', files: ['bin/index.js'], older: 2 },
  // The launcher script its postinstall copies to ~/.local/bin/junie.
  { toolId: 'junie', pkg: '@jetbrains/junie', files: ['shim/junie'], older: 2 },
];
