// What the exec guard tests share: whether fanotify exec prevention can run here (and why not), the helper built
// from source, a native look-alike the catalog identifies (by its content markers), and a script tool laid out
// as an npm package of a banned CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExecGuard } from '../../agent/exec-guard/exec-guard-binary.ts';

/** Why these tests cannot run here, or undefined when they can (root, Linux, a C compiler, fanotify). */
export function execGuardSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the exec guard uses fanotify, which only Linux has';
  if (process.getuid?.() !== 0) return 'fanotify permission events need root';
  let binary: string;
  try {
    binary = buildExecGuard();
  } catch (err) {
    const why = `the exec guard helper could not be built (Debian package gcc): ${(err as Error).message}`;
    if (process.env.CORDON_REQUIRE_ALL_PARTS === '1') throw new Error(why, { cause: err });
    return why;
  }
  // Scoped to pid 1's descendants through pid 1 itself: every exec is allowed without asking; it only proves
  // that fanotify_init and the marks work. stdin is closed at once, so it exits right after "ready".
  const probe = spawnSync(binary, ['--scope-pid', '1'], { input: '', encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0 || !probe.stdout.startsWith('M\t') || !probe.stdout.includes('\nR\t')) return `fanotify exec permission events are unavailable: ${probe.stderr.trim() || `exit ${probe.status}`}`;
  return undefined;
}

/**
 * A native program carrying Claude Code's content markers (the catalog's tail markers), compiled here: to the
 * catalog it is Claude Code under another name. Run, it prints "look-alike ran" and sleeps for argv[1] seconds.
 */
export function buildNativeLookAlike(dir: string, name = 'assistant'): string {
  mkdirSync(dir, { recursive: true });
  const source = join(dir, `${name}.c`);
  writeFileSync(
    source,
    `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
const char *markers[] = {"@anthropic-ai/claude-code", "https://github.com/anthropics/claude-code/issues", "~/.claude/local", "CLAUDE_CODE_EXIT_AFTER_STOP_DELAY"};
int main(int argc, char **argv) {
  printf("look-alike ran (%s)\\n", markers[argc % 4]);
  fflush(stdout);
  if (argc > 1) sleep((unsigned)atoi(argv[1]));
  return 0;
}
`,
  );
  const binary = join(dir, name);
  execFileSync('cc', ['-O0', '-o', binary, source]);
  return binary;
}

/** PREFIX/lib/node_modules/PKG/cli.js: a script tool of a banned package, as `npm install -g` lays it out. */
export function fakeScriptTool(prefix: string, pkg = '@anthropic-ai/claude-code'): string {
  const dir = join(prefix, 'lib', 'node_modules', ...pkg.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, version: '0.0.0-test', bin: { tool: 'cli.js' } }));
  const cli = join(dir, 'cli.js');
  writeFileSync(cli, "#!/usr/bin/env node\nconsole.log('script tool started');\nsetInterval(() => {}, 1000);\n");
  chmodSync(cli, 0o755);
  return cli;
}
