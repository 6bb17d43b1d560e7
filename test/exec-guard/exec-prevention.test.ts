// Prevention, end to end, on the real kernel: an enforcing root agent (scoped to this test process) with the
// fanotify exec guard. Identified banned native programs are denied before they run — the shell says
// "Operation not permitted" and exits 126, the program prints nothing and sends nothing; a script tool, whose
// exec is `node`, is stopped by the exec event at once; look-alikes run untouched.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { buildNativeLookAlike, execGuardSkipReason, fakeScriptTool } from '../support/exec-guard-stage.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';

const skip = execGuardSkipReason();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-exec-prevention-'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  child: ChildProcess;
  ms: number;
}

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const started = performance.now();
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, child, ms: performance.now() - started });
    });
  });
}

describe('exec prevention (fanotify)', { skip }, () => {
  let agent: AgentProcess;
  let recorder: RequestRecorder;
  const running: ChildProcess[] = [];

  before(async () => {
    recorder = await RequestRecorder.start();
    // A generous deadline: the machine running the tests may be loaded, and these tests are about what the
    // agent decides; the default deadline and fail-open are the benchmark's and the fail-open test's business.
    agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off', '--exec-guard-deadline-ms', '1000'], readyTimeoutMs: 90_000 });
    const engine = (await agent.status()).health.engine;
    assert.equal(engine?.kind, 'fanotify', `the exec guard is not in force: ${engine?.why}`);
    assert.equal(engine?.prevention, true);
  });
  after(async () => {
    for (const c of running) c.kill('SIGKILL');
    await agent?.stop();
    await recorder?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('denies the installed real Claude Code binary before it runs: exit 126, no output, no request', async () => {
    const claude = installRealCli('claude-code');
    const binary = join(claude.packageDir, 'bin', 'claude.exe');
    const session = prepareCliSession('claude-code', join(scratch, 'home-installed'), recorder.url);
    const r = await run('/bin/sh', ['-c', '"$0" "$@"', binary, ...session.args], { env: session.env });
    assert.equal(r.code, 126, `exit ${r.code} ${r.signal}: ${r.stderr}`);
    assert.match(r.stderr, /Operation not permitted/);
    assert.equal(r.stdout, '', 'the binary must not have produced any output');
    assert.deepEqual(recorder.requests, [], 'the binary must not have sent anything');
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.detail?.prevented === true && e.exe === binary);
    assert.equal(event.toolId, 'claude-code');
    // The shell (or the child it forked for the command) tried the exec.
    assert.ok(event.pid === r.child.pid || event.ppid === r.child.pid, `the event names pid ${event.pid}, not the shell ${r.child.pid} or its child`);
  });

  it('denies a look-alike the catalog identifies by content, and a renamed copy of it elsewhere', async () => {
    const lookAlike = buildNativeLookAlike(join(scratch, 'tools'));
    const first = await run('/bin/sh', ['-c', `"$0" 5`, lookAlike]);
    assert.equal(first.code, 126, `exit ${first.code} ${first.signal}: ${first.stdout}${first.stderr}`);
    assert.doesNotMatch(first.stdout, /look-alike ran/);

    const elsewhere = join(scratch, 'elsewhere', 'bin');
    mkdirSync(elsewhere, { recursive: true });
    copyFileSync(lookAlike, join(elsewhere, 'formatter'));
    chmodSync(join(elsewhere, 'formatter'), 0o755);
    // Exec'd directly (no shell), the failed exec is Node's spawn failing with EPERM.
    assert.throws(() => spawn(join(elsewhere, 'formatter'), ['5'], { stdio: 'ignore' }), { code: 'EPERM' });
    const viaShell = await run('/bin/sh', ['-c', `"$0" 5`, join(elsewhere, 'formatter')]);
    assert.equal(viaShell.code, 126);
    await agent.waitForEvent((e) => e.type === 'block' && e.detail?.prevented === true && e.exe === join(elsewhere, 'formatter'));
  });

  it('denies a renamed hard-linked copy of the real Claude Code binary', async () => {
    const claude = installRealCli('claude-code');
    const dir = join(scratch, 'renamed-real');
    mkdirSync(dir, { recursive: true });
    linkSync(join(claude.packageDir, 'bin', 'claude.exe'), join(dir, 'lint-helper'));
    const session = prepareCliSession('claude-code', join(scratch, 'home-renamed'), recorder.url);
    const r = await run('/bin/sh', ['-c', '"$0" "$@"', join(dir, 'lint-helper'), ...session.args], { env: session.env });
    assert.equal(r.code, 126, `exit ${r.code} ${r.signal}: ${r.stderr}`);
    assert.deepEqual(recorder.requests, []);
  });

  it('stops a script tool (node …/cli.js of a banned package) on its exec event, and denies its direct exec', async (t) => {
    const cli = fakeScriptTool(join(scratch, 'global'));
    const r = await run(process.execPath, [cli], { timeoutMs: 20_000 });
    assert.equal(r.signal, 'SIGKILL', `the script tool was not stopped: exit ${r.code}, ${r.stdout}`);
    t.diagnostic(`node cli.js: spawn → killed in ${r.ms.toFixed(1)} ms`);
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === r.child.pid);
    assert.equal(event.toolId, 'claude-code');
    assert.notEqual(event.detail?.prevented, true, 'node itself is allowed; the tool is stopped after its exec');

    // Run by its shebang, the script itself is what the kernel execs: denied before node ever starts.
    const direct = await run('/bin/sh', ['-c', '"$0"', cli]);
    assert.equal(direct.code, 126, `exit ${direct.code}: ${direct.stdout}${direct.stderr} ${JSON.stringify((await agent.status()).health.problems)}`);
    assert.doesNotMatch(direct.stdout, /script tool started/);
  });

  it('leaves a corpus of look-alikes running and unrecorded', async () => {
    const home = join(scratch, 'alice');
    const project = join(scratch, 'projects', 'claude-code-notes');
    mkdirSync(join(home, 'bin'), { recursive: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'server.js'), 'setInterval(() => {}, 1000);\n');
    writeFileSync(join(project, 'CLAUDE.md'), '# notes\n');
    writeFileSync(join(home, 'bin', 'codex'), '#!/bin/sh\nwhile :; do sleep 1; done\n');
    chmodSync(join(home, 'bin', 'codex'), 0o755);
    copyFileSync('/bin/sleep', join(home, 'bin', 'claude'));
    chmodSync(join(home, 'bin', 'claude'), 0o755);
    const corpus: Array<[string, string, string[]]> = [
      ['grep codex', 'grep', ['--line-buffered', 'codex']],
      ['tail -f CLAUDE.md', 'tail', ['-f', join(project, 'CLAUDE.md')]],
      ['node server.js --model claude-3', process.execPath, [join(project, 'server.js'), '--model', 'claude-3']],
      ["the user's own script called codex", join(home, 'bin', 'codex'), []],
      ['sleep copied to ~/bin/claude', join(home, 'bin', 'claude'), ['300']],
      ['python3 with gemini in its arguments', 'python3', ['-c', 'import time\nwhile True: time.sleep(1)', 'gemini', '--model', 'gemini-2.5-pro']],
      ['sleep renamed to claude (exec -a)', 'bash', ['-c', 'exec -a claude sleep 300']],
      ['sh -c mentioning @anthropic-ai/claude-code', 'sh', ['-c', 'while :; do sleep 1; done # npm i -g @anthropic-ai/claude-code']],
    ];
    const children = corpus.map(([name, command, args]) => {
      const child = spawn(command, args, { env: { ...process.env, HOME: home }, stdio: ['pipe', 'ignore', 'ignore'] });
      running.push(child);
      return { name, child };
    });
    await new Promise((r) => setTimeout(r, 2500));
    for (const { name, child } of children) {
      assert.equal(child.exitCode, null, `${name} exited (${child.exitCode})`);
      assert.equal(child.signalCode, null, `${name} was killed (${child.signalCode})`);
    }
    const pids = new Set(children.map((c) => c.child.pid));
    const events = await agent.events();
    assert.deepEqual(
      events.filter((e) => e.pid !== undefined && (pids.has(e.pid) || pids.has(e.ppid ?? -1))),
      [],
      'no look-alike may even be recorded',
    );
    for (const { child } of children) child.kill('SIGKILL');
  });
});
