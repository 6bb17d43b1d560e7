// What an interpreter loads, on the real kernel (issue 18's "interpreter without a script name", issue 14's
// script tools): an enforcing root agent (scoped to this test) with the exec guard judging, on its own thread,
// the files interpreter processes open. A tool started without naming its script (`node -e "import(…)"`,
// `node --import`, `node -` from stdin), or by a copy of node under another name, is stopped by what it loads;
// an entry file of a banned tool the inventory found cannot even be opened by an interpreter (EPERM); a busy
// agent main loop does not delay a verdict; and interpreters reading data of such packages are left alone.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { buildNativeLookAlike, execGuardSkipReason, fakeScriptTool } from '../support/exec-guard-stage.ts';
import { installRealCli } from '../support/real-clis.ts';

const skip = execGuardSkipReason();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-interpreter-loads-'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  pid: number;
  ms: number;
}

function run(command: string, args: string[], input?: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], env: { ...process.env, HOME: join(scratch, 'home') } });
  if (input !== undefined) child.stdin!.end(input);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, pid: child.pid!, ms: performance.now() - started });
    });
  });
}

describe('what interpreters load (fanotify)', { skip }, () => {
  let agent: AgentProcess;
  let fifo: string;
  const installedCli = join(scratch, 'installed');
  let protectedCli: string;

  before(async () => {
    mkdirSync(join(scratch, 'home'), { recursive: true });
    fifo = join(scratch, 'never-written');
    execFileSync('mkfifo', [fifo]);
    // A script tool installed where the inventory looks (a PATH directory): its entry file gets protected.
    protectedCli = fakeScriptTool(installedCli, '@google/gemini-cli');
    mkdirSync(join(installedCli, 'bin'), { recursive: true });
    symlinkSync(protectedCli, join(installedCli, 'bin', 'gemini'));
    const blocker = pathToFileURL(join(REPO_ROOT, 'test/support/loop-blocker.mjs')).href;
    agent = await startAgent({
      args: ['--exec-guard', 'on', '--inventory', 'report', '--exec-guard-deadline-ms', '1000'],
      env: { PATH: `${join(installedCli, 'bin')}:${process.env.PATH}`, NODE_OPTIONS: `--import=${blocker}`, CORDON_TEST_BLOCKING_FIFO: fifo },
      readyTimeoutMs: 90_000,
    });
    assert.equal((await agent.status()).health.engine?.kind, 'fanotify');
  });
  after(async () => {
    // Unblocks a main loop a failed test left reading the FIFO, so the agent can stop.
    spawnSync('/bin/sh', ['-c', ': > "$0"', fifo], { timeout: 2000 });
    await agent?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const stoppedOnLoad = async (name: string, r: Run, toolId: string) => {
    assert.equal(r.signal, 'SIGKILL', `${name} was not stopped: exit ${r.code} ${r.stderr.slice(0, 300)}`);
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === r.pid);
    assert.equal(event.toolId, toolId);
    return event;
  };

  // Codex's bin/codex.js, loaded this way, fails at once on its own (it reads process.argv[1]) before any stop
  // could land; its native binary is the exec guard's business. Gemini's 20 MB bundle is what these forms run.
  it('stops the real Gemini CLI started without a script name: node -e import(), --import, node - from stdin', async (t) => {
    const gemini = join(installRealCli('gemini-cli').packageDir, 'bundle', 'gemini.js');
    const cases: Array<[string, string[], string?]> = [
      ['node -e "import(gemini.js)"', ['-e', `import(${JSON.stringify(gemini)})`]],
      ['node --import gemini.js -e …', ['--import', gemini, '-e', 'setInterval(() => {}, 1000)']],
      ['node - (import(gemini.js) from stdin)', ['-'], `import(${JSON.stringify(gemini)})`],
    ];
    for (const [name, args, input] of cases) {
      const r = await run(process.execPath, args, input);
      const event = await stoppedOnLoad(name, r, 'gemini-cli');
      assert.match(String(event.detail?.loaded ?? ''), /gemini\.js/, `${name}: the event names the file that was loaded`);
      t.diagnostic(`${name}: spawn → killed in ${r.ms.toFixed(0)} ms`);
    }
  });

  it('judges a copy of node under another name as node: ~/n …/cli.js is stopped at once', async (t) => {
    const n = join(scratch, 'home', 'n');
    copyFileSync(process.execPath, n);
    chmodSync(n, 0o755);
    const cli = fakeScriptTool(join(scratch, 'elsewhere'), '@openai/codex');
    const r = await run(n, [cli]);
    await stoppedOnLoad('~/n cli.js', r, 'codex');
    // Far below the 2 s /proc backstop that was its only detection before.
    t.diagnostic(`~/n cli.js: spawn → killed in ${r.ms.toFixed(0)} ms`);
  });

  it('denies an interpreter opening the entry file of a banned tool the inventory found: EPERM, the tool never runs', async (t) => {
    await agent.waitForEvent((e) => e.type === 'install-found' && e.toolId === 'gemini-cli', 120_000).catch((err: unknown) => {
      throw new Error(`no install-found (agent ${agent.child.exitCode ?? agent.child.signalCode ?? 'running'}): ${(err as Error).message}\n${agent.output().stderr.slice(-3000)}`);
    });
    // The inventory's pass ends with the marks; the event may come just before.
    let r: Run | undefined;
    for (let i = 0; i < 50; i++) {
      // Named in argv (node cli.js), the exec report stops it even before node reads the file; named nowhere,
      // only the mark can refuse it.
      r = await run(process.execPath, ['-e', `require(${JSON.stringify(protectedCli)})`]);
      if (/EPERM|operation not permitted/i.test(r.stderr)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(r!.stderr, /EPERM|operation not permitted/i, `node could open the protected file: ${r!.signal ?? r!.code} ${r!.stderr.slice(0, 300)}`);
    assert.doesNotMatch(r!.stderr, /script tool started/);
    assert.notEqual(r!.signal, 'SIGKILL', 'prevented, not stopped');
    await agent.waitForEvent((e) => e.type === 'block' && e.detail?.prevented === true && e.exe === protectedCli);
    // Reading it is not running it: grep and cat are never asked.
    assert.equal(spawnSync('grep', ['-c', 'script tool', protectedCli], { encoding: 'utf8' }).stdout.trim(), '1');
    t.diagnostic(`node <protected cli.js>: refused in ${r!.ms.toFixed(0)} ms`);
  });

  it('leaves interpreters alone that only read a banned package or run harmless code', async () => {
    const gemini = installRealCli('gemini-cli').packageDir;
    const harmless = join(scratch, 'home', 'claude-helper.js');
    writeFileSync(harmless, 'setTimeout(() => process.exit(0), 1500);\n');
    const cases: Array<[string, string[]]> = [
      ['node -e of a harmless script named after a tool', ['-e', `require(${JSON.stringify(harmless)})`]],
      ["node reading a banned package's package.json", ['-e', `require(${JSON.stringify(join(gemini, 'package.json'))}); setTimeout(() => {}, 1500)`]],
      ['python3 -c mentioning aider', []],
    ];
    for (const [name, args] of cases) {
      const r = name.startsWith('python3') ? await run('python3', ['-c', 'import json, time; time.sleep(1.5) # from aider.main import main']) : await run(process.execPath, args);
      assert.equal(r.signal, null, `${name} was killed`);
      assert.equal(r.code, 0, `${name}: exit ${r.code} ${r.stderr.slice(0, 300)}`);
      assert.deepEqual((await agent.events()).filter((e) => e.pid === r.pid), [], `${name} was recorded`);
    }
  });

  it('answers from its own thread while the main event loop is stuck: a new banned program is still denied', async () => {
    const lookAlike = buildNativeLookAlike(join(scratch, 'tools'), 'fresh-assistant');
    agent.child.kill('SIGUSR2'); // the main thread now reads a FIFO nobody writes
    await new Promise((r) => setTimeout(r, 300));
    const r = await run('/bin/sh', ['-c', '"$0" 1', lookAlike]);
    const benign = await run('/bin/sh', ['-c', 'true']);
    spawnSync('/bin/sh', ['-c', ': > "$0"', fifo], { timeout: 5000 }); // unblocks the main loop
    assert.equal(r.code, 126, `exit ${r.code} ${r.signal}: ${r.stderr}`);
    assert.equal(benign.code, 0);
    await agent.waitForEvent((e) => e.type === 'block' && e.detail?.prevented === true && e.exe === lookAlike);
  });
});
