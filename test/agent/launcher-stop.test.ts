// Stopping a tool must leave nothing else stopped. Launchers pass a child's stop on: su and runuser stop
// themselves, sudo stops its whole process group, script stops itself when its shell stops. A banned look-alike
// started through each of su, runuser, sudo, script, tmux and nohup, from a shell in a real terminal, is stopped by
// a real (scoped) agent; then the launcher returns, the shell that started it carries on, no process of the
// session is left in the stopped state, and the explanation is on the terminal.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { skipUnlessInstalled } from '../support/required-package.ts';
import { waitFor } from '../support/wait-for.ts';

const isRoot = process.getuid?.() === 0;
const needsRoot = isRoot ? undefined : 'needs root (a test user, su, runuser, sudo)';
const noSudo = skipUnlessInstalled('sudo', 'sudo', ['-V']);
const noTmux = skipUnlessInstalled('tmux', 'tmux', ['-V']);
const ESC = String.fromCharCode(27);

const scratch = mkdtempSync(join(tmpdir(), 'cordon-launchers-'));
const user = `cordonl${process.pid % 100000}`;
let agent: AgentProcess;
let tool: string;
const started: ChildProcess[] = [];

/** A banned look-alike: laid out as the npm package of Claude Code, idling until stopped; readable by the test user. */
function lookAlike(): string {
  const pkgDir = join(scratch, 'prefix', 'lib', 'node_modules', '@anthropic-ai', 'claude-code');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '1.0.0', bin: { claude: 'cli.js' } }));
  writeFileSync(join(pkgDir, 'cli.js'), `#!${process.execPath}\nsetInterval(() => {}, 1000);\n`, { mode: 0o755 });
  for (let d = pkgDir; d.length >= scratch.length; d = join(d, '..')) chmodSync(d, 0o755);
  return join(pkgDir, 'cli.js');
}

interface Proc {
  pid: number;
  comm: string;
  state: string;
}
function procOf(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return { pid, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) };
  } catch {
    return null;
  }
}
/** The process and everything under it, as the kernel shows it now. */
function treeOf(pid: number): Proc[] {
  const p = procOf(pid);
  if (!p) return [];
  const out = [p];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const c of children.split(' ')) if (c) out.push(...treeOf(Number(c)));
  }
  return out;
}
const show = (tree: Proc[]) => tree.map((p) => `${p.pid} ${p.comm} ${p.state}`).join('; ');
const plain = (s: string) => s.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '');

/** Ends what a case started that is still there (only processes this test started). */
function cleanUp(root: number): void {
  for (const p of treeOf(root).reverse()) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `command` with sh in a real terminal (util-linux script gives it a pty); the command ends with
 * `echo RETURNED $?`. Waits for that line; on a hang, fails showing which processes are stopped.
 */
async function inTerminal(command: string): Promise<string> {
  const term = spawn('script', ['-qfec', `${command}; echo RETURNED $?`, '/dev/null'], {
    cwd: scratch,
    env: { ...process.env, TOOL: tool, TUSER: user, SHELL: '/bin/sh', LANG: 'en_US.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(term);
  let screen = '';
  term.stdout!.setEncoding('utf8').on('data', (d: string) => (screen += d));
  const exited = new Promise<void>((resolve) => term.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/RETURNED \d+/.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const tree = treeOf(term.pid!);
  if (!/RETURNED \d+/.test(screen)) {
    cleanUp(term.pid!);
    assert.fail(`the launcher never returned; processes: ${show(tree)}; agent events: ${await eventsSeen()}; terminal:\n${plain(screen)}`);
  }
  const stopped = tree.filter((p) => p.state === 'T');
  assert.deepEqual(stopped, [], `left stopped: ${show(stopped)}`);
  // The terminal program ends with its shell.
  const ended = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000))]);
  if (!ended) {
    const now = treeOf(term.pid!);
    cleanUp(term.pid!);
    assert.fail(`the terminal (script) did not end after its shell; processes: ${show(now)}`);
  }
  return plain(screen);
}

const eventsSeen = async () => JSON.stringify((await agent.events()).map((e) => [e.type, e.pid, e.detail]));

function assertExplained(screen: string): void {
  assert.match(screen, /Cordon stopped Claude Code \(Anthropic\)\./, `no explanation on the terminal:\n${screen}`);
}

describe('a tool stopped under a launcher leaves nothing stopped', { skip: needsRoot }, () => {
  before(async () => {
    spawnSync('userdel', [user], { stdio: 'ignore' });
    const add = spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', user], { encoding: 'utf8' });
    assert.equal(add.status, 0, `useradd: ${add.stderr}`);
    tool = lookAlike();
    agent = await startAgent();
    // Launch nothing before the agent's first look at the process table (its baseline).
    await waitFor(async () => (await agent.status()).health.lastScanAt, 'the agent\'s first scan');
  });
  after(async () => {
    for (const c of started) if (c.pid) cleanUp(c.pid);
    await agent?.stop();
    spawnSync('userdel', [user], { stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runuser -u USER -- tool (runuser stops itself when its child stops)', async () => {
    const screen = await inTerminal('runuser -u "$TUSER" -- "$TOOL"');
    assertExplained(screen);
    assert.match(screen, /RETURNED 137/);
  });

  it('su USER -c tool (su stops itself; it also leaves the terminal with setsid)', async () => {
    const screen = await inTerminal('su -s /bin/sh "$TUSER" -c \'exec "$0"\' "$TOOL"');
    assertExplained(screen);
    assert.match(screen, /RETURNED 137/);
  });

  it('sudo -u USER tool (sudo, with use_pty, stops its whole process group)', { skip: noSudo }, async () => {
    const screen = await inTerminal('sudo -u "$TUSER" -- "$TOOL"');
    assertExplained(screen);
    // sudo's own status varies: 137, or 1 with "unable to execute …: Broken pipe" when its monitor is already gone
    // as sudo (resumed) tells it to continue the command. Either way sudo returned.
    assert.match(screen, /RETURNED \d+/);
  });

  it('script -c tool (script stops itself when the command it runs stops)', async () => {
    const screen = await inTerminal('script -qfec \'exec "$TOOL"\' /dev/null');
    assertExplained(screen);
    assert.match(screen, /RETURNED \d+/);
  });

  it('nohup tool (nohup becomes the tool; the shell carries on)', async () => {
    const screen = await inTerminal('nohup "$TOOL"');
    assertExplained(screen);
    assert.match(screen, /RETURNED 137/);
  });

  it('runuser typed at an interactive shell with job control: the job ends instead of staying Stopped', async () => {
    const term = spawn('script', ['-qfec', 'bash --norc --noprofile -i', '/dev/null'], {
      cwd: scratch,
      env: { ...process.env, TOOL: tool, TUSER: user },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    started.push(term);
    let screen = '';
    term.stdout!.setEncoding('utf8').on('data', (d: string) => (screen += d));
    await waitFor(() => /[#$] $/.test(plain(screen)), 'the interactive prompt', 20_000);
    term.stdin!.write('runuser -u "$TUSER" -- "$TOOL"\n');
    await waitFor(() => /Cordon stopped Claude Code/.test(plain(screen)), 'the explanation', 30_000).catch(async (err: Error) => {
      assert.fail(`${err.message}; processes: ${show(treeOf(term.pid!))}; agent events: ${await eventsSeen()}`);
    });
    // The shell reaps the job: no runuser left, nothing stopped (a left-over would show as "Stopped" in `jobs`).
    const settled = await waitFor(() => {
      const tree = treeOf(term.pid!);
      return !tree.some((p) => p.comm === 'runuser' || p.state === 'T') && tree;
    }, 'the job to end', 15_000).catch(() => treeOf(term.pid!));
    assert.ok(!settled.some((p) => p.comm === 'runuser' || p.state === 'T'), `left behind: ${show(settled)}`);
    term.stdin!.write('jobs; echo JOBS-LISTED\n');
    await waitFor(() => screen.includes('JOBS-LISTED\r'), 'the job list', 10_000);
    assert.doesNotMatch(plain(screen).slice(plain(screen).lastIndexOf('jobs; echo')), /Stopped/);
    term.stdin!.end('exit\n');
  });

  it('tmux: the pane shows the explanation, its shell carries on, the server is not stopped', { skip: noTmux }, async () => {
    const socket = join(scratch, 'tmux.sock');
    // -D keeps the server in the foreground, a child of this test, so the scoped agent sees the pane's processes.
    const server = spawn('tmux', ['-D', '-S', socket, '-f', '/dev/null'], { stdio: 'ignore', env: { ...process.env, SHELL: '/bin/sh' } });
    started.push(server);
    const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
    let made = tmux('new-session', '-d', '-s', 'cordon', '-x', '120', '-y', '40', '-e', `TOOL=${tool}`, 'sh -c \'"$TOOL"; echo RETURNED $?; exec sleep 600\'');
    for (let i = 0; i < 50 && made.status !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the server is still starting
      made = tmux('new-session', '-d', '-s', 'cordon', '-x', '120', '-y', '40', '-e', `TOOL=${tool}`, 'sh -c \'"$TOOL"; echo RETURNED $?; exec sleep 600\'');
    }
    assert.equal(made.status, 0, `tmux new-session: ${made.stderr}`);
    let pane = '';
    const deadline = Date.now() + 30_000;
    while (!/RETURNED \d+/.test(pane) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      pane = tmux('capture-pane', '-p', '-J', '-t', 'cordon').stdout;
    }
    const tree = treeOf(server.pid!);
    assert.match(pane, /RETURNED \d+/, `the pane's shell never carried on; processes: ${show(tree)}; agent events: ${await eventsSeen()}`);
    assert.deepEqual(tree.filter((p) => p.state === 'T'), [], `left stopped: ${show(tree)}`);
    assertExplained(pane);
    tmux('kill-server');
  });

  it('each launch was recorded as a block', async () => {
    const blocks = (await agent.events()).filter((e) => e.type === 'block' && e.toolId === 'claude-code');
    assert.ok(blocks.length >= 4, `blocks: ${blocks.length}`);
  });
});
