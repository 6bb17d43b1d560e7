// What the developer sees: a real Claude Code started in a real pseudo-terminal (util-linux `script` gives it
// one) is stopped, and the terminal shows which tool, why, what to use instead and how to ask for an exception,
// in the language of the developer's environment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli } from '../support/real-clis.ts';
import { enforcingStage } from '../support/enforcing-agent.ts';

const stage = enforcingStage('cordon-notice-');

/** Runs Claude Code in a pty with the given locale; returns everything that appeared on the terminal. */
async function runInTerminal(lang: string): Promise<{ screen: string; code: number | null }> {
  const claude = installRealCli('claude-code');
  const session = prepareCliSession('claude-code', join(stage.scratch, lang), stage.recorder.url);
  // The command line is fixed; the binary's path travels in the environment, never inside the shell string.
  const child = spawn('script', ['-qfec', '"$CLAUDE_BIN" -p "say hello"', '/dev/null'], {
    env: { ...session.env, LANG: lang, LC_ALL: lang, CLAUDE_BIN: claude.bin, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  // Bold on/off is all the notice adds; strip it (and whatever the tool drew) to compare text.
  return { screen: screen.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''), code };
}

it('explains the block in English on the terminal the tool was started from', async () => {
  const { screen, code } = await runInTerminal('en_US.UTF-8');
  assert.equal(code, 137, `the tool was not stopped; the terminal showed:\n${screen}`);
  assert.match(screen, /Cordon stopped Claude Code \(Anthropic\)\./);
  assert.match(screen, /Why: Claude Code sends the code it works on to Anthropic, outside the company\./);
  assert.match(screen, /Use instead: Your company's approved AI assistant/);
  assert.match(screen, /Ask for an exception: cordon request-exception claude-code --reason/);
  const event = (await stage.agent.events()).find((e) => e.type === 'block' && e.toolId === 'claude-code');
  assert.ok(event?.tty?.startsWith('/dev/pts/'), `the event names the terminal (${event?.tty})`);
});

it('explains it in Simplified Chinese when the environment says zh_CN', async () => {
  const { screen, code } = await runInTerminal('zh_CN.UTF-8');
  assert.equal(code, 137, `the tool was not stopped; the terminal showed:\n${screen}`);
  assert.match(screen, /Cordon 已停止 Claude Code（Anthropic）。/);
  assert.match(screen, /原因: Claude Code 会把它处理的代码发送到公司外部的 Anthropic。/);
  assert.match(screen, /申请例外: cordon request-exception claude-code/);
});
